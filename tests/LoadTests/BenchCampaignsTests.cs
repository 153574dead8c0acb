using FlashSale.LoadTests.Http;
using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.LoadTests;

/// <summary>
/// A run retires what it made: its campaigns cancelled, their queues and tokens gone from Redis, the campaign itself still
/// there. In the real-clock collection, so no other run's campaigns are on the list when this one retires it.
/// </summary>
[Collection(RealClockCollection.Name)]
public sealed class BenchCampaignsTests(RealClockSystem sys)
{
    [Fact]
    public async Task Retire_CancelsTheRunsCampaigns_AndUnlinksTheirQueues()
    {
        var admin = new AdminClient(sys.Edge, FlashSaleSystem.AdminKey);
        var campaign = await admin.CreateCampaignAsync(
            new CreateCampaign("retire me", DateTimeOffset.UtcNow.AddMinutes(10), 600, 5, new CouponSpec("percent", 10), new AdmissionSpec(10, 120)),
            CancellationToken.None);
        await sys.JoinAsync(campaign, await sys.SessionAsync("bench-retire-1"));
        var redis = sys.Redis.GetDatabase();
        Assert.Equal(1, await redis.SortedSetLengthAsync(RedisKeys.Queue(campaign)));
        // Admission tokens live for the turn (15 minutes in the benches), far past the run that was admitted.
        var tokens = Enumerable.Range(0, 1500).Select(i => RedisKeys.Token(campaign, "m" + i)).ToList();
        foreach (var key in tokens)
        {
            await redis.StringSetAsync(key, "token", TimeSpan.FromMinutes(15));
        }
        var target = sys.BenchTarget();

        var unlinked = await BenchCampaigns.RetireAsync(target, CancellationToken.None);

        Assert.True(unlinked >= 1502, $"unlinked {unlinked} keys; the queue, its seen marks and 1,500 tokens were there");
        Assert.Equal(0, await redis.KeyExistsAsync([.. tokens.Select(t => (StackExchange.Redis.RedisKey)t)]));
        Assert.False(await redis.KeyExistsAsync(RedisKeys.Queue(campaign)));
        Assert.False(await redis.KeyExistsAsync(RedisKeys.Seen(campaign)));
        var state = (await sys.Edge.GetFromJsonNodeAsync($"/api/campaigns/{campaign}"))["state"]!.GetValue<string>();
        Assert.Equal("cancelled", state);
        Assert.Equal(0, await BenchCampaigns.RetireAsync(target, CancellationToken.None));
    }
}
