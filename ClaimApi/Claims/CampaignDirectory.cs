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
        Campaign? campaign;
        try
        {
            campaign = await store.GetAsync(id);
        }
        catch (Exception) when (entry.Campaign is not null)
        {
            // PostgreSQL is unreachable: a campaign read a moment ago is still the right answer for the claim check.
            return entry.Campaign;
        }
        cache[id] = (campaign, now);
        return campaign;
    }
}
