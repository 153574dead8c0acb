using System.Text.Json;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.WaitingRoom.Campaigns;

/// <summary>
/// The edge's view of campaigns: Admin publishes them to Redis, and every request would otherwise read them again.
/// A short cache plus pub/sub invalidation keeps changes visible within a second.
/// </summary>
public sealed class CampaignCache
{
    private readonly RecentCampaigns entries;
    private readonly IConnectionMultiplexer redis;

    public CampaignCache(IConnectionMultiplexer redis, TimeProvider time, IOptions<WaitingRoomOptions> options)
    {
        this.redis = redis;
        entries = new RecentCampaigns(TimeSpan.FromMilliseconds(options.Value.CampaignCacheMilliseconds), time);
        redis.GetSubscriber().Subscribe(RedisChannel.Literal(RedisKeys.EventsChannel), (channel, message) =>
        {
            // Only a change rewrites the campaign. Claims, sell-out and starvation signals do not, and a storm sends
            // hundreds of them a second: each would empty the entry and send every request in flight back to Redis.
            if (CampaignEvents.TryParse(message, out var kind, out var id) && kind == CampaignEvents.Changed)
            {
                entries.Forget(id);
            }
        });
    }

    public async ValueTask<Campaign?> GetAsync(string id)
    {
        if (!CampaignIds.IsWellFormed(id))
        {
            return null;
        }
        if (entries.TryGetFresh(id, out var campaign))
        {
            return campaign;
        }
        var json = await redis.GetDatabase().StringGetAsync(RedisKeys.Campaign(id));
        campaign = json.IsNullOrEmpty ? null : JsonSerializer.Deserialize<Campaign>((string)json!, JsonSerializerOptions.Web);
        entries.Remember(id, campaign);
        return campaign;
    }

    public async Task<IReadOnlyList<Campaign>> ListAsync()
    {
        var ids = await redis.GetDatabase().SetMembersAsync(RedisKeys.CampaignIndex);
        // Looked up together: the admission tick walks this list every 100 ms, and cache misses must not queue up.
        var lookups = new Task<Campaign?>[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            lookups[i] = GetAsync(ids[i]!).AsTask();
        }
        var found = await Task.WhenAll(lookups);
        return [.. found.OfType<Campaign>()];
    }
}
