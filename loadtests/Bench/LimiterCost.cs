using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using FlashSale.LoadTests.Cli;
using FlashSale.LoadTests.Report;
using FlashSale.LoadTests.Runner;
using FlashSale.WaitingRoom.RateLimits;
using static FlashSale.LoadTests.Report.Format;

namespace FlashSale.LoadTests.Bench;

public sealed record LimiterCostOptions
{
    /// <summary>How many client addresses each round holds a bucket for.</summary>
    public IReadOnlyList<int> Addresses { get; init; } = [10_000, 100_000, 1_000_000];

    /// <summary>How long each round watches the process's CPU while nothing asks for a token.</summary>
    public int IdleSeconds { get; init; } = 5;
}

/// <summary>One limiter at one number of addresses.</summary>
public sealed record LimiterRound(string Limiter, int Addresses, double BytesEach, double FirstTakeMicros, double AgainMicros, double IdleCpuMillisPerSecond);

/// <summary>
/// limiter-cost: what a token bucket per client address costs the edge as addresses grow, ASP.NET Core's partitioned
/// token bucket against the edge's <see cref="TokenBuckets"/>: memory per address, a token's cost, and the CPU spent
/// while nobody asks (the partitioned limiter refills every bucket each 100 ms). No system needed.
/// </summary>
public static class LimiterCost
{
    public const string Name = "limiter-cost";

    public static async Task<RunResult> RunAsync(LimiterCostOptions o, Target target, CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var origin = Stopwatch.GetTimestamp();
        var settings = new RateLimitOptions();
        var rounds = new List<LimiterRound>();
        foreach (var n in o.Addresses)
        {
            var addresses = Enumerable.Range(0, n).Select(i => new IPAddress((uint)IPAddress.HostToNetworkOrder(0x0A000000 + i))).ToArray();
            var keys = addresses.Select(ShopperRateLimiter.ClientKey).ToArray();
            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.PerAddressBurst, TokensPerPeriod = settings.PerAddressPerSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0,
            };
            rounds.Add(await MeasureAsync("ASP.NET Core partitioned token bucket", n, o, ct,
                () => PartitionedRateLimiter.Create<IPAddress, IPAddress>(a => RateLimitPartition.GetTokenBucketLimiter(a, _ => bucket)),
                (limiter, i) => limiter.AttemptAcquire(addresses[i]).Dispose()));
            rounds.Add(await MeasureAsync("FlashSale TokenBuckets", n, o, ct,
                () => new TokenBuckets(settings.PerAddressPerSecond, settings.PerAddressBurst, TimeProvider.System),
                (limiter, i) => limiter.TryTake(keys[i], out _)));
        }

        Console.Error.WriteLine();
        Console.Error.WriteLine("| limiter | addresses | bytes each | first token µs | next token µs | CPU while idle (ms/s) |");
        Console.Error.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in rounds)
        {
            Console.Error.WriteLine($"| {r.Limiter} | {Count(r.Addresses)} | {r.BytesEach:N0} | {r.FirstTakeMicros:0.00} | {r.AgainMicros:0.00} | {r.IdleCpuMillisPerSecond:N0} |");
        }
        var result = new RunResult(Name, startedAt, Stopwatch.GetElapsedTime(origin),
            [
                new("addresses per round", string.Join(", ", o.Addresses.Select(n => Count(n)))), new("idle watch", $"{o.IdleSeconds} s"),
                new("bucket", $"{settings.PerAddressPerSecond}/s, burst {settings.PerAddressBurst} (the edge's defaults)"),
            ],
            [], [], [],
            [.. rounds.Select(r => new Tally($"{r.Limiter}, {Count(r.Addresses)} addresses: bytes each / first token µs / next token µs / CPU while idle",
                $"{r.BytesEach:N0} B / {r.FirstTakeMicros:0.00} / {r.AgainMicros:0.00} / {r.IdleCpuMillisPerSecond:N0} ms/s"))],
            [
                "Bytes each: managed heap growth after every address took a token, over the number of addresses (the benchmark's own address arrays excluded).",
                "First token: one token per address in turn, creating its bucket; next token: the same again a few seconds later.",
                "CPU while idle: this process's CPU over the idle watch, every bucket still busy refilling (none idle for the 10 s either limiter waits before forgetting one).",
            ],
            new TimeSeries(), [], MachineInfo.Capture());
        return result with { ReportFolder = await ReportWriter.WriteAsync(result, target.ResultsRoot) };
    }

    private static async Task<LimiterRound> MeasureAsync<T>(string name, int n, LimiterCostOptions o, CancellationToken ct, Func<T> create, Action<T, int> take)
        where T : IDisposable
    {
        Console.Error.WriteLine($"[{Name}] {name}: {Count(n)} addresses");
        var before = Settle();
        using var limiter = create();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            take(limiter, i);
        }
        var first = Stopwatch.GetElapsedTime(start);
        var bytes = Settle() - before;
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var watch = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(o.IdleSeconds), ct);
        self.Refresh();
        var idle = (self.TotalProcessorTime - cpu).TotalMilliseconds / Stopwatch.GetElapsedTime(watch).TotalSeconds;
        start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            take(limiter, i);
        }
        var again = Stopwatch.GetElapsedTime(start);
        return new LimiterRound(name, n, bytes / (double)n, first.TotalMicroseconds / n, again.TotalMicroseconds / n, idle);
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
