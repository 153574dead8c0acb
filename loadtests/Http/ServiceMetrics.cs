using System.Globalization;

namespace FlashSale.LoadTests.Http;

/// <summary>A service's own figures, read from its Prometheus endpoint (OpenTelemetry's exporter at /metrics).</summary>
public static class ServiceMetrics
{
    /// <summary>The exposition text, or null when the service did not answer (down, or too slow for the client's timeout).</summary>
    public static async Task<string?> ScrapeAsync(HttpClient client, Uri service, CancellationToken ct)
    {
        try
        {
            return await client.GetStringAsync(new Uri(service, "/metrics"), ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// A metric's samples summed over all its label sets (one per GC generation, say), or over those that carry
    /// <paramref name="label"/> (written as exposed, <c>phase="live"</c>); null when the text has none.
    /// </summary>
    public static double? Sum(string text, string metric, string? label = null)
    {
        double? sum = null;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            // The name must end where the labels or the value begin: another metric may extend it (…_total_other).
            if (line.StartsWith(metric) && line.Length > metric.Length && line[metric.Length] is '{' or ' '
                && (label is null || line[metric.Length] == '{' && line[..(line.IndexOf('}') + 1)].Contains(label, StringComparison.Ordinal))
                && double.TryParse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                sum = (sum ?? 0) + value;
            }
        }
        return sum;
    }
}
