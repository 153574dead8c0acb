using FlashSale.LoadTests.Bench;
using FlashSale.LoadTests.Report;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.LoadTests;

/// <summary>join-storm, briefly, against the test system: what its ratios are made of is what it says it measured.</summary>
[Collection(RealClockCollection.Name)]
public sealed class JoinStormRunTests(RealClockSystem sys)
{
    [Fact]
    public async Task JoinStorm_TwoShortRounds_EveryJoinIsOnePlace_AndEveryPreQueuePollIsAnsweredFromMemory()
    {
        var target = sys.BenchTarget();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var options = new JoinStormOptions { Joins = 3_000, Concurrency = 32, Seconds = 1, Rounds = 2, WarmupSeconds = 1, WarmupRounds = 1 };

        var result = await JoinStorm.RunAsync(options, target, timeout.Token);

        var summary = MarkdownReport.Render(result);
        long joined = 0, polled = 0;
        for (var round = 1; round <= options.Rounds; round++)
        {
            var healthz = result.Steps.Single(s => s.Name == JoinStorm.HealthzStep(round));
            var joins = result.Steps.Single(s => s.Name == JoinStorm.Step(round));
            var polls = result.Steps.Single(s => s.Name == JoinStorm.StatusStep(round));
            Assert.True(healthz.Ok > 0 && joins.Ok > 0 && polls.Ok > 0, summary);
            // Nothing but 202s to the joins and 200s to the polls: a refusal would make the ratio measure something else.
            Assert.True(joins.Outcomes.All(o => o.Label == "202") && polls.Outcomes.All(o => o.Label == "200"), summary);
            (joined, polled) = (joined + joins.Ok, polled + polls.Ok);
        }
        Assert.Equal(Format.Count(joined), Tally(result, "queue length in Redis afterwards"));
        Assert.Equal($"{Format.Count(polled)} ({1.0:P0})", Tally(result, "of those, answered from the edges' memory"));
        // Each ratio sets one round's joins (or polls) against that same round's healthz, never another round's.
        Assert.Equal(2, result.Ratios.Count);
        foreach (var (ratio, measured) in result.Ratios.Zip(new Func<int, string>[] { JoinStorm.Step, JoinStorm.StatusStep }))
        {
            Assert.Contains(Enumerable.Range(1, options.Rounds), round =>
                ratio.NumeratorValue == Rate(result, measured(round)) && ratio.DenominatorValue == Rate(result, JoinStorm.HealthzStep(round)));
        }
    }

    private static double Rate(RunResult result, string step) => result.Steps.Single(s => s.Name == step).RatePerSecond;

    private static string Tally(RunResult result, string prefix) =>
        result.Tallies.Single(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)).Value;
}
