using FlashSale.LoadTests.Http;

namespace FlashSale.Tests.LoadTests;

public sealed class JitWatchTests
{
    [Fact]
    public void ServiceMetricsSum_ReadsTheCompiledMethodsCounter_AndNothingThatOnlyStartsLikeIt()
    {
        const string text = """
            # TYPE dotnet_jit_compiled_methods_total counter
            dotnet_jit_compiled_methods_total_other{x="y"} 5
            dotnet_jit_compilation_time_seconds_total{otel_scope_name="System.Runtime"} 8.76
            dotnet_jit_compiled_methods_total{otel_scope_name="System.Runtime"} 18592
            """;
        Assert.Equal(18592, ServiceMetrics.Sum(text, "dotnet_jit_compiled_methods_total"));
        Assert.Null(ServiceMetrics.Sum("http_server_request_duration_seconds_count 3", "dotnet_jit_compiled_methods_total"));
    }

    [Fact]
    public void ServiceMetricsSum_WithALabel_SumsOnlyTheSeriesThatCarryIt()
    {
        const string text = """
            flashsale_queue_answers_from_memory_total{otel_scope_name="FlashSale",phase="prequeue"} 70
            flashsale_queue_answers_from_memory_total{otel_scope_name="FlashSale",phase="live"} 12
            flashsale_queue_answers_from_memory_total 5
            """;
        Assert.Equal(12, ServiceMetrics.Sum(text, "flashsale_queue_answers_from_memory_total", "phase=\"live\""));
        Assert.Equal(87, ServiceMetrics.Sum(text, "flashsale_queue_answers_from_memory_total"));
        Assert.Null(ServiceMetrics.Sum(text, "flashsale_queue_answers_from_memory_total", "phase=\"other\""));
    }

    [Fact]
    public async Task WarmUntilQuiet_StopsAtTheFirstQuietRoundAfterTheFirst()
    {
        var rounds = new List<int>();
        var warm = await Counting([5000, 3000, 40, 10]).WarmUntilQuietAsync(n => Run(rounds, n), maxRounds: 4, CancellationToken.None);
        Assert.Equal([5000L, 3000, 40], warm.Compiled);
        Assert.Equal([1, 2, 3], rounds);
        Assert.True(warm.Quiet);
        Assert.Contains("3 rounds, until one made", warm.Describe());
    }

    [Fact]
    public async Task WarmUntilQuiet_RunsAtLeastTwoRounds_AndAtMostTheMost_SayingWhenTheLastWasNotQuiet()
    {
        var first = new List<int>();
        var quietAtOnce = await Counting([10, 10, 10]).WarmUntilQuietAsync(n => Run(first, n), maxRounds: 4, CancellationToken.None);
        Assert.Equal([10L, 10], quietAtOnce.Compiled);
        Assert.Equal([1, 2], first);

        var second = new List<int>();
        var neverQuiet = await Counting([900, 800, 700, 600, 500]).WarmUntilQuietAsync(n => Run(second, n), maxRounds: 3, CancellationToken.None);
        Assert.Equal([900L, 800, 700], neverQuiet.Compiled);
        Assert.Equal([1, 2, 3], second);
        Assert.False(neverQuiet.Quiet);
        Assert.Contains("the most allowed, though the last still made the services JIT-compile 700", neverQuiet.Describe());
    }

    [Fact]
    public async Task WarmUntilQuiet_Blind_RunsTwoRounds_AndSaysSo()
    {
        var rounds = new List<int>();
        var blind = await new JitWatch(_ => Task.FromResult<long?>(null)).WarmUntilQuietAsync(n => Run(rounds, n), maxRounds: 4, CancellationToken.None);
        Assert.Empty(blind.Compiled);
        Assert.Equal([1, 2], rounds);
        Assert.StartsWith("2 rounds blind", blind.Describe());
    }

    private static Task Run(List<int> rounds, int n)
    {
        rounds.Add(n);
        return Task.CompletedTask;
    }

    /// <summary>A counter that grows by the given amounts, one per round (it is read before and after each).</summary>
    private static JitWatch Counting(long[] perRound)
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
        return watch;
    }
}
