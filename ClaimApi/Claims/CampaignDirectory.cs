using FlashSale.Shared.Campaigns;

namespace FlashSale.ClaimApi.Claims;

/// <summary>Campaigns read from PostgreSQL and trusted for a second: the claim path must not read the row every time.</summary>
public sealed class CampaignDirectory(CampaignStore store, TimeProvider time)
{
    private readonly RecentCampaigns cache = new(TimeSpan.FromSeconds(1), time);

    public async ValueTask<Campaign?> GetAsync(string id)
    {
        if (!CampaignIds.IsWellFormed(id))
        {
            return null;
        }
        if (cache.TryGetFresh(id, out var read))
        {
            return read;
        }
        Campaign? campaign;
        try
        {
            campaign = await store.GetAsync(id);
        }
        catch (Exception) when (read is not null)
        {
            // PostgreSQL is unreachable: a campaign read a moment ago is still the right answer for the claim check.
            return read;
        }
        cache.Remember(id, campaign);
        return campaign;
    }
}
