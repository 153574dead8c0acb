using System.Text.Json;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Redis;
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

/// <summary>Redis can lose what Admin wrote (a restart, a failed write after the commit); this puts it back.</summary>
public sealed class CampaignSync(CampaignStore store, CampaignPublisher publisher, TimeProvider time, ILogger<CampaignSync> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15), time);
        do
        {
            try
            {
                var now = time.GetUtcNow();
                foreach (var campaign in await store.ListAsync(stoppingToken))
                {
                    if (campaign.EndsAt > now)
                    {
                        await publisher.PublishAsync(campaign);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Could not republish campaigns to Redis");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
