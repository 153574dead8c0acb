using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Admin;

/// <summary>Admin's sync keeps the edges' campaign index to live and upcoming campaigns, which every admission tick walks.</summary>
[Collection(SystemCollection.Name)]
public sealed class CampaignSyncTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task EndedCampaign_LeavesTheIndexAtTheNextSync_ButStillAnswersAsEnded()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5, durationSeconds: 60);
        Assert.True(await sys.Redis.GetDatabase().SetContainsAsync(RedisKeys.CampaignIndex, campaign));

        sys.Clock.Advance(TimeSpan.FromSeconds(121));
        // The sync runs every 15 s of the shared fake clock.
        var listed = await Poll.UntilAsync(async () =>
        {
            var inIndex = await sys.Redis.GetDatabase().SetContainsAsync(RedisKeys.CampaignIndex, campaign);
            if (inIndex)
            {
                sys.Clock.Advance(TimeSpan.FromSeconds(15));
            }
            return inIndex;
        }, inIndex => !inIndex);

        Assert.False(listed);
        Assert.DoesNotContain((await sys.Edge.GetFromJsonNodeAsync("/api/campaigns")).AsArray(), c => c!["id"]!.GetValue<string>() == campaign);
        Assert.Equal("ended", (await sys.Edge.GetFromJsonNodeAsync($"/api/campaigns/{campaign}"))["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task EndedCampaign_QueueIsUnlinkedAfterTheRetention_RecordAndCountsStay()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5, durationSeconds: 60);
        await sys.JoinAsync(campaign, await sys.SessionAsync("retention-1"));
        var redis = sys.Redis.GetDatabase();
        Assert.Equal(1, await redis.SortedSetLengthAsync(RedisKeys.Queue(campaign)));

        // Ended, and a sync has seen it so (it left the index), but within the retention: the queue stays.
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        await Poll.UntilAsync(async () =>
        {
            var inIndex = await redis.SetContainsAsync(RedisKeys.CampaignIndex, campaign);
            if (inIndex)
            {
                sys.Clock.Advance(TimeSpan.FromSeconds(15));
            }
            return inIndex;
        }, inIndex => !inIndex);
        Assert.True(await redis.KeyExistsAsync(RedisKeys.Queue(campaign)));

        sys.Clock.Advance(TimeSpan.FromMinutes(FlashSaleSystem.QueueRetentionMinutes));
        var queued = await Poll.UntilAsync(async () =>
        {
            var exists = await redis.KeyExistsAsync(RedisKeys.Queue(campaign));
            if (exists)
            {
                sys.Clock.Advance(TimeSpan.FromSeconds(15));
            }
            return exists;
        }, exists => !exists);

        Assert.False(queued);
        Assert.False(await redis.KeyExistsAsync(RedisKeys.Seen(campaign)));
        Assert.True(await redis.KeyExistsAsync(RedisKeys.Campaign(campaign)));
        Assert.True(await redis.KeyExistsAsync(RedisKeys.Admission(campaign)));
        Assert.Equal("ended", (await sys.Edge.GetFromJsonNodeAsync($"/api/campaigns/{campaign}"))["state"]!.GetValue<string>());
        Assert.Equal("ended", (await sys.QueueStatusAsync(campaign, await sys.SessionAsync("retention-1")))["status"]!.GetValue<string>());
    }
}
