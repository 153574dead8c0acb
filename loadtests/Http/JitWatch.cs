using System.Globalization;

namespace FlashSale.LoadTests.Http;

/// <summary>
/// Methods the services' JIT has compiled so far, summed over their /metrics (OpenTelemetry's runtime metrics): a
/// warm-up is done when a round of it makes the JIT compile next to nothing new.
/// </summary>
public sealed class JitWatch(Func<CancellationToken, Task<long?>> compiledMethods)
{
    /// <summary>A warm-up round that makes the services compile fewer new methods than this leaves them warm.</summary>
    public const int QuietMethods = 100;

    private const string Metric = "dotnet_jit_compiled_methods_total";
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(5) };

    public JitWatch(IReadOnlyList<Uri> services)
        : this(ct => SumAsync(services, ct))
    {
    }

    /// <summary>
    /// Runs warm-up rounds until one makes the services compile fewer than <see cref="QuietMethods"/> new methods, at
    /// least two and at most <paramref name="maxRounds"/>. One is never enough: the runtime starts counting a method's
    /// calls toward its optimized version only once the first burst of compilations has passed, so the next burst of
    /// load pays for those. When /metrics cannot be read it runs two rounds blind.
    /// </summary>
    public async Task<WarmUp> WarmUntilQuietAsync(Func<int, Task> round, int maxRounds, CancellationToken ct)
    {
        var compiled = new List<long>();
        var blind = false;
        var rounds = 0;
        while (rounds < maxRounds)
        {
            var before = await compiledMethods(ct);
            await round(++rounds);
            var after = await compiledMethods(ct);
            blind |= before is null || after is null;
            if (!blind)
            {
                compiled.Add(after!.Value - before!.Value);
            }
            if (rounds >= 2 && (blind || compiled[^1] < QuietMethods))
            {
                break;
            }
        }
        return new WarmUp(rounds, blind ? [] : compiled, !blind && compiled.Count > 0 && compiled[^1] < QuietMethods);
    }

    /// <summary>The sum over every service, or null when one did not answer.</summary>
    private static async Task<long?> SumAsync(IReadOnlyList<Uri> services, CancellationToken ct)
    {
        long sum = 0;
        foreach (var service in services)
        {
            if (await ServiceMetrics.ScrapeAsync(Client, service, ct) is not { } text || ServiceMetrics.Sum(text, Metric) is not { } count)
            {
                return null;
            }
            sum += (long)count;
        }
        return sum;
    }
}

/// <summary>The warm-up rounds run, the methods the services compiled in each (none when blind), and whether the last was quiet.</summary>
public sealed record WarmUp(int Rounds, IReadOnlyList<long> Compiled, bool Quiet)
{
    /// <summary>How a run's notes describe it.</summary>
    public string Describe()
    {
        var counts = string.Join(", ", Compiled.Select(c => c.ToString("N0", CultureInfo.InvariantCulture)));
        return Compiled.Count == 0
            ? $"{Rounds} rounds blind (the services' /metrics could not be read to see their JIT)"
            : Quiet
                ? $"{Rounds} rounds, until one made the services JIT-compile fewer than {JitWatch.QuietMethods} new methods (methods compiled in each round: {counts})"
                : $"{Rounds} rounds, the most allowed, though the last still made the services JIT-compile {Compiled[^1]:N0} new methods (each round: {counts})";
    }
}
