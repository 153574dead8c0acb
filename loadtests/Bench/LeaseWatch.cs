using System.Diagnostics;
using FlashSale.LoadTests.Http;

namespace FlashSale.LoadTests.Bench;

/// <summary>One read of Admin's metrics: seconds since the watch began, and the inventory figures then.</summary>
public readonly record struct InventorySample(double AtSeconds, int Available, int Leased, int Claimed);

/// <summary>
/// Stock parked in leases at sell-out: the first sample where PostgreSQL's pool is empty (available = 0), the units
/// then held by instances but not yet claimed, and how long until none are (all claimed or handed back).
/// </summary>
public sealed record LeaseDrain(double SoldOutAtSeconds, int LeasedAtSoldOut, int ClaimedAtSoldOut, double? DrainedAfterSeconds)
{
    /// <summary>The read just before the pool was seen empty, when there was one: how close to the edge the reads came.</summary>
    public InventorySample? Before { get; init; }

    public static LeaseDrain? From(IReadOnlyList<InventorySample> samples)
    {
        for (var i = 0; i < samples.Count; i++)
        {
            if (samples[i].Available != 0)
            {
                continue;
            }
            for (var j = i; j < samples.Count; j++)
            {
                if (samples[j].Leased == 0)
                {
                    return new LeaseDrain(samples[i].AtSeconds, samples[i].Leased, samples[i].Claimed, samples[j].AtSeconds - samples[i].AtSeconds)
                    {
                        Before = i > 0 ? samples[i - 1] : null,
                    };
                }
            }
            return new LeaseDrain(samples[i].AtSeconds, samples[i].Leased, samples[i].Claimed, null) { Before = i > 0 ? samples[i - 1] : null };
        }
        return null;
    }
}

/// <summary>Polls GET /api/admin/campaigns/{id}/metrics every <c>interval</c> until the leases drain after a sell-out, or it is told to stop.</summary>
public sealed class LeaseWatch(AdminClient admin, string campaignId, TimeSpan interval, Runner.RunMetrics metrics, string step = LeaseWatch.Step)
{
    public const string Step = "admin: metrics read (lease watch)";
    public const string WarmupStep = "warm-up: admin metrics read (not measured)";

    private readonly List<InventorySample> samples = [];

    public IReadOnlyList<InventorySample> Samples
    {
        get
        {
            lock (samples)
            {
                return [.. samples];
            }
        }
    }

    /// <summary>
    /// Watches while <paramref name="storm"/> runs and, since the leases drain after the last claim, for at most
    /// <paramref name="drainFor"/> after it; answers what the storm did.
    /// </summary>
    public async Task<T> AroundAsync<T>(Func<Task<T>> storm, TimeSpan drainFor, CancellationToken ct)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watched = RunAsync(watching.Token);
        T result;
        try
        {
            result = await storm();
        }
        catch
        {
            await watching.CancelAsync();
            await watched;
            throw;
        }
        watching.CancelAfter(drainFor);
        await watched;
        return result;
    }

    /// <summary>Runs until the pool is empty and no lease holds a unit, or <paramref name="ct"/> ends it.</summary>
    private async Task RunAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                var sent = Stopwatch.GetTimestamp();
                var read = await admin.MetricsAsync(campaignId, ct);
                metrics.Step(step).Record(sent, read is null ? Runner.Outcome.Error(0, "no-metrics") : Runner.Outcome.Ok(200));
                if (read is not { } m)
                {
                    continue;
                }
                lock (samples)
                {
                    samples.Add(new InventorySample(Stopwatch.GetElapsedTime(started).TotalSeconds, m.Available, m.Leased, m.Claimed));
                }
                if (m.Available == 0 && m.Leased == 0)
                {
                    return;
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
        {
            // The watch is a side measurement; losing it must not lose the storm's report.
        }
    }
}
