using System.Globalization;

namespace FlashSale.LoadTests.Http;

/// <summary>
/// Methods the services' JIT has compiled so far, summed over their /metrics (OpenTelemetry's runtime metrics): a
/// warm-up is done when a round of it makes the JIT compile next to nothing new.
/// </summary>
public sealed class JitWatch(Func<CancellationToken, Task<long?>> compiledMethods)
{
    public JitWatch(IReadOnlyList<Uri> services)
        : this(ct => SumAsync(services, ct))
    {
    }

    /// <summary>A warm-up round that makes the services compile fewer new methods than this leaves them warm.</summary>
    public const int QuietMethods = 100;

    private const string Metric = "dotnet_jit_compiled_methods_total";

    /// <summary>
    /// Runs warm-up rounds until one makes the services compile fewer than <see cref="QuietMethods"/> new methods, at
    /// least two and at most <paramref name="maxRounds"/>. One is never enough: the runtime starts counting a method's
    /// calls toward its optimized version only once the first burst of compilations has passed, so the next burst of
    /// load pays for those. Answers the methods compiled in each round; empty when /metrics could not be read, and
    /// then it ran two rounds blind.
    /// </summary>
    public async Task<IReadOnlyList<long>> WarmUntilQuietAsync(Func<int, Task> round, int maxRounds, CancellationToken ct)
    {
        var compiled = new List<long>();
        for (var n = 1; n <= maxRounds; n++)
        {
            var before = await compiledMethods(ct);
            await round(n);
            var after = await compiledMethods(ct);
            if (before is null || after is null)
            {
                compiled.Clear();
                if (n >= 2)
                {
                    break;
                }
                continue;
            }
            compiled.Add(after.Value - before.Value);
            if (n >= 2 && compiled[^1] < QuietMethods)
            {
                break;
            }
        }
        return compiled;
    }

    /// <summary>How a run's notes describe its warm-up rounds.</summary>
    public static string Describe(IReadOnlyList<long> compiled) => compiled.Count > 0
        ? $"until a round made the services JIT-compile fewer than {QuietMethods} new methods (methods compiled in each round: {string.Join(", ", compiled.Select(c => c.ToString("N0", CultureInfo.InvariantCulture)))})"
        : "two rounds (the services' /metrics could not be read to see their JIT)";
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>The sum over every service, or null when one did not answer (the warm-up then runs its rounds blind).</summary>
    private static async Task<long?> SumAsync(IReadOnlyList<Uri> services, CancellationToken ct)
    {
        long sum = 0;
        foreach (var service in services)
        {
            try
            {
                var text = await Client.GetStringAsync(new Uri(service, "/metrics"), ct);
                if (Parse(text) is not { } count)
                {
                    return null;
                }
                sum += count;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                return null;
            }
        }
        return sum;
    }

    internal static long? Parse(string prometheusText)
    {
        foreach (var line in prometheusText.AsSpan().EnumerateLines())
        {
            if (line.StartsWith(Metric) && line.Length > Metric.Length && line[Metric.Length] is '{' or ' ')
            {
                var value = line[(line.LastIndexOf(' ') + 1)..];
                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? (long)v : null;
            }
        }
        return null;
    }
}
