using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Tokens;
using FlashSale.Tests.Infrastructure;
using FlashSale.WaitingRoom;
using FlashSale.WaitingRoom.Queue;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FlashSale.Tests.Queue;

/// <summary>An edge serves campaign after campaign for months: the batchers of quiet campaigns must not pile up.</summary>
[Collection(SystemCollection.Name)]
public sealed class QueueBatcherLifetimeTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task QuietCampaignsBatchers_AreDroppedAfterAMinute_AndABusyCampaignStillJoins()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // Without the pre-queue cache, so the polls below go to Redis through a batcher.
        var queue = new QueueService(sys.Redis, new AdmissionTokens(Options.Create(Mint.Options()), clock), clock,
            Options.Create(new WaitingRoomOptions { PrequeueCacheMembers = 0 }));
        var first = Scheduled(clock);
        var second = Scheduled(clock);

        Assert.NotNull(await queue.JoinAsync(first, "u1"));
        await queue.StatusAsync(first, "u1");
        Assert.NotNull(await queue.JoinAsync(second, "u1"));
        Assert.Equal(3, queue.BatcherCount);

        clock.Advance(TimeSpan.FromMinutes(1));
        // The drop runs before this join makes the second campaign's batcher again, so only that one is left.
        Assert.NotNull(await queue.JoinAsync(second, "u2"));
        Assert.Equal(1, queue.BatcherCount);
        Assert.Equal("prequeue", (await queue.StatusAsync(first, "u1")).Status);
        Assert.Equal(2, queue.BatcherCount);
    }

    private static Campaign Scheduled(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return new Campaign(CampaignIds.New(), "batcher lifetime", now.AddHours(1), now.AddHours(2), 10, 1,
            new CouponSettings("percent", 10), new AdmissionSettings(100), null, now);
    }
}
