using FlashSale.LoadTests.Campaign;
using FlashSale.LoadTests.Checks;
using FlashSale.LoadTests.Report;
using FlashSale.LoadTests.Runner;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.LoadTests;

/// <summary>
/// CI's rehearsal: the `campaign` scenario at 20,000 shoppers against the in-process system on the real clock. Any
/// correctness check that fails (over-claim, stranded stock, two claims, a lost 201, a double redemption, an unfair
/// queue) fails the build, with the run's summary in the message.
/// </summary>
[Collection(RealClockCollection.Name)]
public sealed class CampaignRunTests(RealClockSystem sys)
{
    [Fact]
    public async Task Campaign_TwentyThousandShoppers_EveryCorrectnessCheckPasses()
    {
        var options = new CampaignOptions
        {
            Shoppers = 20_000,
            Stock = 2_000,
            Rate = 1_000,
            StartsInSeconds = 8,
            DurationSeconds = 20,
            BurstSeconds = 3,
            TailSeconds = 4,
            BotShare = 0.02,
            RedeemShare = 0.5,
            DoubleRedeemShare = 0.1,
            Connections = 128,
            GraceSeconds = 40,
            Seed = 20_000,
            ShowProgress = false,
            WriteReport = false,
        };
        var target = sys.BenchTarget();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var result = await CampaignScenario.RunAsync(options, target, timeout.Token);

        var summary = MarkdownReport.Render(result);
        Assert.Equal(7, result.Checks.Count);
        foreach (var check in result.Checks)
        {
            Assert.True(check.Status == CheckStatus.Pass, $"{check.Name}: {check.Verdict} — {check.Detail}\n\n{summary}");
        }
        // The run was a real campaign: it sold out exactly, every shopper finished, and no bot got anything. A 200 is
        // a claim whose first answer was lost (a 503 after its commit) and whose retry found the coupon.
        var claims = result.Steps.Single(s => s.Name == CampaignSteps.Claim);
        Assert.True(claims.Outcomes.Where(o => o.Label is "201" or "200").Sum(o => o.Count) == options.Stock, summary);
        Assert.True(result.Tallies.Single(t => t.Name.StartsWith("visits unfinished", StringComparison.Ordinal)).Value == "0", summary);
        Assert.DoesNotContain(result.Steps.SelectMany(s => s.Outcomes), o => o.Label.Contains("bot-got-through", StringComparison.Ordinal));
        Assert.Contains(result.Steps, s => s.Name == CampaignSteps.Redeem && s.Ok > 0);
    }
}
