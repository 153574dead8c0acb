using FlashSale.ClaimApi.Claims;
using FlashSale.Shared.Redis;
using StackExchange.Redis;

namespace FlashSale.ClaimApi.Inventory;

/// <summary>
/// What the edges learn from ClaimApi through Redis: committed claims (the remaining-stock counter), units coming
/// back (admission reopens), and sold out (admission stops). PostgreSQL stays the authority; losing these only
/// costs a stale display for a moment.
/// </summary>
public sealed class EdgeSignals(IConnectionMultiplexer redis, AdmissionCursor cursor)
{
    private static readonly RedisChannel Events = RedisChannel.Literal(RedisKeys.EventsChannel);

    /// <summary>Admin reads the last ten seconds; the rest only has to outlive a read that is slow to arrive.</summary>
    private static readonly TimeSpan SecondKept = TimeSpan.FromMinutes(1);

    public async Task ClaimedAsync(IEnumerable<ClaimResponse> claims)
    {
        var db = redis.GetDatabase();
        var writes = new List<Task>();
        foreach (var campaign in claims.GroupBy(c => c.CampaignId))
        {
            writes.Add(db.StringIncrementAsync(RedisKeys.Claimed(campaign.Key), campaign.Count()));
            // Counted here, where a batch is one command, rather than by Admin in PostgreSQL, where the last ten seconds
            // of a storm were tens of thousands of index entries to read on every dashboard refresh.
            foreach (var second in campaign.GroupBy(c => c.ClaimedAt.ToUnixTimeSeconds()))
            {
                var key = RedisKeys.ClaimsInSecond(campaign.Key, second.Key);
                writes.Add(db.StringIncrementAsync(key, second.Count()));
                writes.Add(db.KeyExpireAsync(key, SecondKept));
            }
            // Claiming finishes a turn: the place stops counting against the campaign's maxActive at once.
            writes.Add(db.SortedSetRemoveAsync(RedisKeys.Active(campaign.Key), campaign.Select(c => (RedisValue)QueueMember.Of(c.UserId)).ToArray()));
            writes.Add(redis.GetSubscriber().PublishAsync(Events, CampaignEvents.Format(CampaignEvents.Claimed, campaign.Key)));
        }
        await Task.WhenAll(writes);
    }

    /// <summary>Units went back to the pool (release, lapsed hold): the campaign is not sold out any more.</summary>
    public async Task ReturnedAsync(string campaignId, int units)
    {
        var db = redis.GetDatabase();
        await Task.WhenAll(
            db.StringDecrementAsync(RedisKeys.Claimed(campaignId), units),
            cursor.ReopenAsync(campaignId));
        await redis.GetSubscriber().PublishAsync(Events, CampaignEvents.Format(CampaignEvents.Changed, campaignId));
    }

    /// <summary>This instance has shoppers and no units while others hold some: asks them to give their free units back.</summary>
    public Task StarvedAsync(string campaignId) =>
        redis.GetSubscriber().PublishAsync(Events, CampaignEvents.Format(CampaignEvents.Starved, campaignId));

    public async Task SoldOutAsync(string campaignId)
    {
        await cursor.CloseAsync(campaignId);
        await redis.GetSubscriber().PublishAsync(Events, CampaignEvents.Format(CampaignEvents.SoldOut, campaignId));
    }
}
