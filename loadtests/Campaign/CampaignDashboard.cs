using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Campaign;

/// <summary>
/// The marketer's view, sampled into the charts: one read of the Admin metrics per second (queue length, cursor,
/// claimed), shared by the probes that chart them.
/// </summary>
public sealed class CampaignDashboard(AdminClient admin, string campaignId)
{
    private CampaignMetrics? last;
    private long readAt;

    public CampaignMetrics? Last => Volatile.Read(ref last);

    public IEnumerable<Probe> Probes()
    {
        yield return new Probe("queue length", async ct => (await ReadAsync(ct))?.QueueLength ?? double.NaN);
        yield return new Probe("admitted (cursor)", async ct => (await ReadAsync(ct))?.Served ?? double.NaN);
        yield return new Probe("remaining stock", async ct => (await ReadAsync(ct)) is { } m ? m.Stock - m.Claimed : double.NaN);
        yield return new Probe("claimed (PostgreSQL)", async ct => (await ReadAsync(ct))?.Claimed ?? double.NaN);
    }

    private async ValueTask<CampaignMetrics?> ReadAsync(CancellationToken ct)
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref readAt) < 500)
        {
            return Last;
        }
        Interlocked.Exchange(ref readAt, now);
        var metrics = await admin.MetricsAsync(campaignId, ct);
        Volatile.Write(ref last, metrics);
        return metrics;
    }
}
