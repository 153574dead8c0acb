using System.Text.Json;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Admin.Campaigns;

/// <summary>Copies a campaign from PostgreSQL to Redis, where the edge reads it, and tells the edges it changed.</summary>
public sealed class CampaignPublisher(IConnectionMultiplexer redis, AdmissionCursor cursor)
{
    public async Task PublishAsync(Campaign campaign)
    {
        var db = redis.GetDatabase();
        await db.StringSetAsync(RedisKeys.Campaign(campaign.Id), JsonSerializer.Serialize(campaign, JsonSerializerOptions.Web));
        await db.SetAddAsync(RedisKeys.CampaignIndex, campaign.Id);
        await cursor.ConfigureAsync(campaign);
        if (campaign.CancelledAt is not null)
        {
            await cursor.CloseAsync(campaign.Id);
        }
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisKeys.EventsChannel), CampaignEvents.Format(CampaignEvents.Changed, campaign.Id));
    }
}

/// <summary>
/// Redis can lose what Admin wrote (a restart, a failed write after the commit); this puts it back. It writes only
/// a campaign whose Redis copy differs from a fresh read, made just before the write: a list read at the top of a
/// long loop would otherwise overwrite a change (a cancel, a rate change) committed meanwhile with the old settings.
/// </summary>
public sealed class CampaignSync(
    CampaignStore store, CampaignPublisher publisher, IConnectionMultiplexer redis, IOptions<AdminOptions> options, TimeProvider time, ILogger<CampaignSync> log)
    : BackgroundService
{
    private readonly TimeSpan retention = TimeSpan.FromMinutes(options.Value.QueueRetentionMinutes);

    // Unlinked by this process already: after a restart each is unlinked once more, which costs Redis nothing.
    private readonly HashSet<string> retired = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15), time);
        do
        {
            try
            {
                var now = time.GetUtcNow();
                var ended = new List<RedisValue>();
                foreach (var listed in await store.ListAsync(stoppingToken))
                {
                    if (listed.EndsAt <= now)
                    {
                        ended.Add(listed.Id);
                        if (listed.EndsAt + retention <= now && !retired.Contains(listed.Id))
                        {
                            await RetireQueueAsync(listed.Id);
                        }
                        continue;
                    }
                    var published = await redis.GetDatabase().StringGetAsync(RedisKeys.Campaign(listed.Id));
                    var copy = published.IsNullOrEmpty ? null : JsonSerializer.Deserialize<Campaign>((string)published!, JsonSerializerOptions.Web);
                    if (copy != listed && await store.GetAsync(listed.Id, stoppingToken) is { } fresh && copy != fresh)
                    {
                        await publisher.PublishAsync(fresh);
                    }
                }
                // Every edge walks the index on each admission tick: ended campaigns leave it so that walk stays as
                // short as the list of live and upcoming ones. Their records stay for the pages that still ask.
                if (ended.Count > 0)
                {
                    await redis.GetDatabase().SetRemoveAsync(RedisKeys.CampaignIndex, [.. ended]);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Could not republish campaigns to Redis");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// The bulk of an ended campaign's Redis: one entry per shopper who queued. Its record, cursor and claimed count
    /// stay (small, and what a late page or the dashboard still reads); admission tokens expire by themselves.
    /// </summary>
    private async Task RetireQueueAsync(string id)
    {
        var db = redis.GetDatabase();
        // UNLINK, not DEL: a queue of millions is freed by a background thread instead of blocking Redis. One command:
        // the keys share the campaign's hash tag.
        await db.ExecuteAsync("UNLINK", RedisKeys.PerShopper(id));
        retired.Add(id);
    }
}
