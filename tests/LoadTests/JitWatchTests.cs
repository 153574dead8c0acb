using FlashSale.LoadTests.Http;

namespace FlashSale.Tests.LoadTests;

public sealed class JitWatchTests
{
    [Fact]
    public void Parse_ReadsTheCompiledMethodsCounter_AndNothingThatOnlyStartsLikeIt()
    {
        const string text = """
            # TYPE dotnet_jit_compiled_methods_total counter
            dotnet_jit_compiled_methods_total_other{x="y"} 5
            dotnet_jit_compilation_time_seconds_total{otel_scope_name="System.Runtime"} 8.76
            dotnet_jit_compiled_methods_total{otel_scope_name="System.Runtime"} 18592
            """;
        Assert.Equal(18592, JitWatch.Parse(text));
        Assert.Null(JitWatch.Parse("http_server_request_duration_seconds_count 3"));
    }

    [Fact]
    public async Task WarmUntilQuiet_StopsAtTheFirstQuietRoundAfterTheFirst()
    {
        var (watch, rounds) = Counting([5000, 3000, 40, 10]);
        Assert.Equal([5000L, 3000, 40], await watch.WarmUntilQuietAsync(n => { rounds.Add(n); return Task.CompletedTask; }, maxRounds: 4, CancellationToken.None));
        Assert.Equal([1, 2, 3], rounds);
    }

    [Fact]
    public async Task WarmUntilQuiet_RunsAtLeastTwoRounds_AndAtMostTheMost()
    {
        var (quietAtOnce, first) = Counting([10, 10, 10]);
        Assert.Equal([10L, 10], await quietAtOnce.WarmUntilQuietAsync(n => { first.Add(n); return Task.CompletedTask; }, maxRounds: 4, CancellationToken.None));
        var (neverQuiet, second) = Counting([900, 800, 700, 600, 500]);
        Assert.Equal([900L, 800, 700], await neverQuiet.WarmUntilQuietAsync(n => { second.Add(n); return Task.CompletedTask; }, maxRounds: 3, CancellationToken.None));
        Assert.Equal([1, 2, 3], second);
    }

    [Fact]
    public async Task WarmUntilQuiet_Blind_RunsTwoRounds_AndSaysSo()
    {
        var rounds = new List<int>();
        var blind = new JitWatch(_ => Task.FromResult<long?>(null));
        var compiled = await blind.WarmUntilQuietAsync(n => { rounds.Add(n); return Task.CompletedTask; }, maxRounds: 4, CancellationToken.None);
        Assert.Empty(compiled);
        Assert.Equal([1, 2], rounds);
        Assert.StartsWith("two rounds", JitWatch.Describe(compiled));
    }

    /// <summary>A counter that grows by the given amounts, one per round (it is read before and after each).</summary>
    private static (JitWatch Watch, List<int> Rounds) Counting(long[] perRound)
    {
        long total = 0;
        var reads = 0;
        var watch = new JitWatch(_ =>
        {
            // Reads alternate before/after: the "after" read of round r adds that round's growth.
            if (reads++ % 2 == 1)
            {
                total += perRound[reads / 2 - 1];
            }
            return Task.FromResult<long?>(total);
        });
        return (watch, []);
    }
}
