using FlashSale.LoadTests.Http;

namespace FlashSale.LoadTests.Bench;

/// <summary>An edge's own memory figures, read from its Prometheus endpoint: the process working set and the GC heap.</summary>
public sealed record EdgeMemorySample(long WorkingSet, long GcHeap)
{
    public static EdgeMemorySample operator +(EdgeMemorySample a, EdgeMemorySample b) => new(a.WorkingSet + b.WorkingSet, a.GcHeap + b.GcHeap);

    /// <summary>The sum over the edges, or null when one of them did not answer (a figure for part of the edges would mislead).</summary>
    public static async Task<EdgeMemorySample?> ReadAsync(HttpClient client, IEnumerable<Uri> edges, CancellationToken ct)
    {
        EdgeMemorySample? total = new(0, 0);
        foreach (var edge in edges)
        {
            total = await ReadOneAsync(client, edge, ct) is { } one ? total + one : null;
            if (total is null)
            {
                return null;
            }
        }
        return total;
    }

    private static async Task<EdgeMemorySample?> ReadOneAsync(HttpClient client, Uri edge, CancellationToken ct)
    {
        if (await ServiceMetrics.ScrapeAsync(client, edge, ct) is not { } text)
        {
            return null;
        }
        var workingSet = (long)(ServiceMetrics.Sum(text, "dotnet_process_memory_working_set_bytes") ?? 0);
        var heap = (long)(ServiceMetrics.Sum(text, "dotnet_gc_last_collection_heap_size_bytes") ?? 0);
        return workingSet > 0 ? new EdgeMemorySample(workingSet, heap) : null;
    }
}
