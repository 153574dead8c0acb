using FlashSale.Shared.Redis;
using StackExchange.Redis;

namespace FlashSale.ClaimApi.Inventory;

/// <summary>Tells the edges through Redis that a campaign has no unit left anywhere, so admission stops and the queue hears it.</summary>
public sealed class SoldOutAnnouncer(IConnectionMultiplexer redis, AdmissionCursor cursor)
{
    public async Task AnnounceAsync(string campaignId)
    {
        await cursor.CloseAsync(campaignId);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisKeys.EventsChannel), CampaignEvents.Format(CampaignEvents.SoldOut, campaignId));
    }
}
