using System.Globalization;

namespace FlashSale.LoadTests.Http;

/// <summary>
/// Methods the services' JIT has compiled so far, summed over their /metrics (OpenTelemetry's runtime metrics): a
/// warm-up is done when a round of it makes the JIT compile next to nothing new.
/// </summary>
public sealed class JitWatch(IReadOnlyList<Uri> services)
{
    private const string Metric = "dotnet_jit_compiled_methods_total";
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>The sum over every service, or null when one did not answer (the warm-up then runs its rounds blind).</summary>
    public async Task<long?> CompiledMethodsAsync(CancellationToken ct)
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
