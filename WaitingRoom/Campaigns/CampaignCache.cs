using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<string, (Campaign? Campaign, long ReadAt)> entries = new();
    private readonly IConnectionMultiplexer redis;
    private readonly TimeProvider time;
    private readonly long ttlTicks;

    public CampaignCache(IConnectionMultiplexer redis, TimeProvider time, IOptions<WaitingRoomOptions> options)
    {
        this.redis = redis;
        this.time = time;
        ttlTicks = TimeSpan.FromMilliseconds(options.Value.CampaignCacheMilliseconds).Ticks;
        redis.GetSubscriber().Subscribe(RedisChannel.Literal(RedisKeys.EventsChannel), (channel, message) =>
        {
            if (CampaignEvents.TryParse(message, out _, out var id))
            {
                entries.TryRemove(id, out _);
            }
        });
    }

    public async ValueTask<Campaign?> GetAsync(string id)
    {
        if (!CampaignIds.IsWellFormed(id))
        {
            return null;
        }
        var now = time.GetUtcNow().UtcTicks;
        if (entries.TryGetValue(id, out var entry) && now - entry.ReadAt < ttlTicks)
        {
            return entry.Campaign;
        }
        var json = await redis.GetDatabase().StringGetAsync(RedisKeys.Campaign(id));
        var campaign = json.IsNullOrEmpty ? null : JsonSerializer.Deserialize<Campaign>((string)json!, JsonSerializerOptions.Web);
        entries[id] = (campaign, now);
        return campaign;
    }

    public async Task<IReadOnlyList<Campaign>> ListAsync()
    {
        var ids = await redis.GetDatabase().SetMembersAsync(RedisKeys.CampaignIndex);
        var list = new List<Campaign>(ids.Length);
        foreach (var id in ids)
        {
            if (await GetAsync(id!) is { } c)
            {
                list.Add(c);
            }
        }
        return list;
    }
}
