using System.Collections.Concurrent;
using FlashSale.Shared.Campaigns;

namespace FlashSale.ClaimApi.Claims;

/// <summary>Campaigns read from PostgreSQL and trusted for a second: the claim path must not read the row every time.</summary>
public sealed class CampaignDirectory(CampaignStore store, TimeProvider time)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, (Campaign? Campaign, DateTimeOffset ReadAt)> cache = new();

    public async ValueTask<Campaign?> GetAsync(string id)
    {
        if (!CampaignIds.IsWellFormed(id))
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (cache.TryGetValue(id, out var entry) && now - entry.ReadAt < Ttl)
        {
            return entry.Campaign;
        }
        var campaign = await store.GetAsync(id);
        cache[id] = (campaign, now);
        return campaign;
    }
}
