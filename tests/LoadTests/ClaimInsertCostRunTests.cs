using FlashSale.LoadTests.Bench;
using FlashSale.LoadTests.Checks;
using FlashSale.LoadTests.Report;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.LoadTests;

/// <summary>claim-insert-cost, briefly, against the test system: it writes real claims and leaves the stock balanced.</summary>
[Collection(RealClockCollection.Name)]
public sealed class ClaimInsertCostRunTests(RealClockSystem sys)
{
    [Fact]
    public async Task ClaimInsertCost_TwoBatchSizes_WritesEveryRow_ClosesItsLease_AndOneRowAloneCostsMore()
    {
        var target = sys.BenchTarget();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var result = await ClaimInsertCost.RunAsync(new ClaimInsertCostOptions { BatchSizes = [1, 50], Seconds = 1, WarmupBatches = 5 }, target, timeout.Token);

        var summary = MarkdownReport.Render(result);
        // The checks run after the lease is closed: "claimed + available + leased = stock" then means every unused
        // unit went back, and "every 201 is in PostgreSQL" that each row the benchmark counted was written.
        Assert.NotEmpty(result.Checks);
        Assert.All(result.Checks, c => Assert.True(c.Status == CheckStatus.Pass, $"{c.Name}: {c.Detail}\n\n{summary}"));
        Assert.Equal(2, result.Tallies.Count);
        // Per row, a lone row pays a whole commit; fifty share one.
        Assert.True(result.Ratios.Single().Value > 2, summary);
    }
}
