using FlashSale.LoadTests.Checks;
using FlashSale.LoadTests.Cli;
using FlashSale.LoadTests.Campaign;
using FlashSale.LoadTests.Runner;
using FlashSale.Shared.Tokens;
using FlashSale.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FlashSale.Tests.LoadTests;

public sealed class RunnerTests
{
    [Fact]
    public async Task SessionMinter_MintedToken_PassesTheEdgesValidator()
    {
        var minter = new SessionMinter(new SessionKey("test-session-1", FlashSaleSystem.SessionSecret), TimeSpan.FromMinutes(5));
        var edge = new SessionTokens(Options.Create(new SessionTokenOptions
        {
            Keys = [new SigningKeyOptions { Kid = "test-session-1", Secret = FlashSaleSystem.SessionSecret }],
        }), TimeProvider.System);

        var (session, error) = await edge.ValidateAsync(minter.Mint("lt-shopper_42"));

        Assert.True(session is not null, error);
        Assert.Equal("lt-shopper_42", session.UserId);
    }

    [Fact]
    public void Spearman_RandomVersusFifo_BoundSeparatesThem()
    {
        var n = 10_000;
        var identity = Enumerable.Range(0, n).ToArray();
        var shuffled = identity.OrderBy(_ => Random.Shared.Next()).ToArray();

        Assert.Equal(1, Spearman.Rho(identity, identity), 9);
        Assert.InRange(Math.Abs(Spearman.Rho(identity, shuffled)), 0, Spearman.RandomBound(n));
        Assert.Equal(-1, Spearman.Rho(identity, [.. identity.Reverse()]), 9);
    }

    [Fact]
    public void StepStats_RecordsAndSummarizes_PercentilesInMicroseconds()
    {
        var step = new StepStats("probe");
        for (var i = 1; i <= 1000; i++)
        {
            step.RecordMicros(i * 1000, i % 100 == 0 ? Outcome.Error(503, "overloaded") : Outcome.Ok(200));
        }

        var summary = step.Summarize();

        Assert.Equal(1000, summary.Count);
        Assert.Equal(10, summary.Errors);
        Assert.InRange(summary.P50, 495_000, 505_000);
        Assert.InRange(summary.P99, 985_000, 995_000);
        Assert.Contains(summary.Outcomes, o => o.Label == "503 overloaded" && o.Count == 10);
    }

    [Fact]
    public async Task ScenarioRunner_KeepConstant_StopsAtMaxIterations()
    {
        var metrics = new RunMetrics();
        var count = 0;
        var scenario = new Scenario("count", ctx =>
        {
            Interlocked.Increment(ref count);
            ctx.Metrics.Step("count").RecordMicros(10, Outcome.Ok(200));
            return ValueTask.CompletedTask;
        }, [Simulation.KeepConstant(8, TimeSpan.FromSeconds(30))]) { MaxIterations = 5_000 };

        var run = await ScenarioRunner.RunAsync(scenario, metrics, CancellationToken.None);

        Assert.Equal(5_000, count);
        Assert.Equal(5_000, run.Iterations);
        Assert.True(run.Duration < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ScenarioRunner_Inject_StartsAboutRateTimesDuration()
    {
        var metrics = new RunMetrics();
        var count = 0;
        var scenario = new Scenario("inject", _ =>
        {
            Interlocked.Increment(ref count);
            return ValueTask.CompletedTask;
        }, [Simulation.Inject(500, TimeSpan.FromSeconds(1)), Simulation.RampingInject(0, TimeSpan.FromSeconds(1))]);

        await ScenarioRunner.RunAsync(scenario, metrics, CancellationToken.None);

        // 500 in the first second, then a ramp from 500 down to 0 adds half as many.
        Assert.InRange(count, 700, 760);
    }
}
