using System.Collections.Concurrent;
using FlashSale.Shared.Hosting;

namespace FlashSale.Shared.Campaigns;

/// <summary>
/// Campaigns looked up by id in the last moments, and the ids that matched none. Any well-formed id a client makes up
/// is remembered as "none" so that a page polling a deleted campaign does not read the store each time; a sweep every
/// few seconds forgets such misses once stale, so a flood of made-up ids cannot grow the cache without end. A campaign
/// that was found stays longer, stale, for a caller that would rather answer from it than fail while its store is down.
/// </summary>
public sealed class RecentCampaigns(TimeSpan fresh, TimeProvider time)
{
    public static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan KeepFound = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (Campaign? Campaign, long ReadAt)> entries = new(StringComparer.Ordinal);
    private readonly long freshTicks = fresh.Ticks;
    private readonly OncePer sweeps = new(SweepEvery, time);

    /// <summary>How many ids are remembered; takes every lock of the dictionary, so for tests and diagnostics only.</summary>
    public int Count => entries.Count;

    /// <summary>True with the answer when it was read within the fresh period; else false, with any campaign read before.</summary>
    public bool TryGetFresh(string id, out Campaign? campaign)
    {
        if (entries.TryGetValue(id, out var entry))
        {
            campaign = entry.Campaign;
            return time.GetUtcNow().UtcTicks - entry.ReadAt < freshTicks;
        }
        campaign = null;
        return false;
    }

    public void Remember(string id, Campaign? campaign)
    {
        var now = time.GetUtcNow().UtcTicks;
        entries[id] = (campaign, now);
        if (sweeps.TryTake(now))
        {
            Sweep(now);
        }
    }

    /// <summary>Forgets the id at once (the campaign changed), so the next lookup reads the store.</summary>
    public void Forget(string id) => entries.TryRemove(id, out _);

    private void Sweep(long now)
    {
        foreach (var (id, entry) in entries)
        {
            var age = now - entry.ReadAt;
            if (age >= KeepFound.Ticks || (entry.Campaign is null && age >= freshTicks))
            {
                // Only that very entry: one read again meanwhile is fresh and stays.
                entries.TryRemove(new KeyValuePair<string, (Campaign?, long)>(id, entry));
            }
        }
    }
}
