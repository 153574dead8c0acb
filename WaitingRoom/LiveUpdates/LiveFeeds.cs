using System.Diagnostics.Metrics;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Hosting;
using FlashSale.Shared.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.WaitingRoom.LiveUpdates;

/// <summary>
/// This edge's feeds, one per campaign that has listeners: made by the first listener, stopped with the last. One
/// subscription to <c>fs:events</c> wakes the feed a message names, so sold-out reaches listeners without waiting for a tick.
/// </summary>
public sealed class LiveFeeds : IAsyncDisposable
{
    private readonly Dictionary<string, CampaignFeed> feeds = [];
    private readonly Lock gate = new();
    private readonly IConnectionMultiplexer redis;
    private readonly TimeProvider time;
    private readonly LiveUpdatesOptions options;
    private readonly ILogger<CampaignFeed> log;
    private readonly RedisChannel channel = RedisChannel.Literal(RedisKeys.EventsChannel);
    private readonly Action<RedisChannel, RedisValue> onMessage;
    private readonly UpDownCounter<long> listeners;
    private readonly Counter<long> reads;

    public LiveFeeds(IConnectionMultiplexer redis, TimeProvider time, IOptions<LiveUpdatesOptions> options, ILogger<CampaignFeed> log, IMeterFactory meters)
    {
        this.redis = redis;
        this.time = time;
        this.options = options.Value;
        this.log = log;
        var meter = meters.Create(ServiceDefaults.MeterName);
        listeners = meter.CreateUpDownCounter<long>("flashsale.live.listeners", description: "Open event streams on this edge");
        reads = meter.CreateCounter<long>("flashsale.live.reads", description: "Campaign reads made for event streams: one per campaign per tick, not per listener");
        onMessage = (from, message) =>
        {
            if (!CampaignEvents.TryParse(message, out var kind, out var id) || Find(id) is not { } feed)
            {
                return;
            }
            if (kind is CampaignEvents.SoldOut or CampaignEvents.Changed)
            {
                feed.Wake();
            }
            else if (kind == CampaignEvents.Claimed)
            {
                feed.Wake(urgent: false);
            }
        };
        redis.GetSubscriber().Subscribe(channel, onMessage);
    }

    /// <summary>Feeds running now.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return feeds.Count;
            }
        }
    }

    public CampaignFeed? Find(string campaignId)
    {
        lock (gate)
        {
            return feeds.GetValueOrDefault(campaignId);
        }
    }

    /// <summary>The campaign's feed, started if this is its first listener. Pair with <see cref="ReleaseAsync"/>.</summary>
    public CampaignFeed Acquire(Campaign campaign)
    {
        lock (gate)
        {
            if (!feeds.TryGetValue(campaign.Id, out var feed))
            {
                feed = new CampaignFeed(campaign, redis, time, options, log, () => reads.Add(1));
                feeds[campaign.Id] = feed;
            }
            feed.Listeners++;
            listeners.Add(1);
            return feed;
        }
    }

    public async ValueTask ReleaseAsync(CampaignFeed feed)
    {
        lock (gate)
        {
            listeners.Add(-1);
            if (--feed.Listeners > 0)
            {
                return;
            }
            feeds.Remove(feed.CampaignId);
        }
        await feed.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        redis.GetSubscriber().Unsubscribe(channel, onMessage);
        List<CampaignFeed> all;
        lock (gate)
        {
            all = [.. feeds.Values];
            feeds.Clear();
        }
        foreach (var feed in all)
        {
            await feed.DisposeAsync();
        }
    }
}
