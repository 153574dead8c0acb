using System.Diagnostics.Metrics;
using System.Text.Json;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;
using FlashSale.WaitingRoom.LiveUpdates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace FlashSale.Tests.LiveUpdates;

[Collection(SystemCollection.Name)]
public sealed class CampaignFeedTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task Feed_ThousandListeners_ShareOneReadPerTickAndOneSnapshotAndStopWithTheLast()
    {
        const int listeners = 1000;
        var id = await sys.CreateCampaignAsync(stock: 5);
        var campaign = JsonSerializer.Deserialize<Campaign>((string)(await sys.Redis.GetDatabase().StringGetAsync(RedisKeys.Campaign(id)))!, JsonSerializerOptions.Web)!;
        // A clock of its own, so the rest of the suite's time does not tick this feed.
        var clock = new FakeTimeProvider(sys.Clock.GetUtcNow());
        await using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var feeds = new LiveFeeds(sys.Redis, clock, Options.Create(new LiveUpdatesOptions { TickMilliseconds = 500 }),
            NullLogger<CampaignFeed>.Instance, metrics.GetRequiredService<IMeterFactory>());
        await using (feeds)
        {
            var held = Enumerable.Range(0, listeners).Select(_ => feeds.Acquire(campaign)).ToList();
            var feed = Assert.Single(held.Distinct());
            await feed.Ready.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(1, feed.Reads);

            for (var tick = 2; tick <= 6; tick++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(500));
                Assert.True(await Poll.UntilAsync(() => Task.FromResult(feed.Reads), reads => reads >= tick, TimeSpan.FromSeconds(5), everyMilliseconds: 10) >= tick);
            }
            Assert.Equal(6, feed.Reads);

            // A claim announced on fs:events: one read at once, and one new link that every listener shares.
            var events = sys.Redis.GetSubscriber();
            var channel = RedisChannel.Literal(RedisKeys.EventsChannel);
            clock.Advance(TimeSpan.FromMilliseconds(250));
            var before = feed.Current;
            await sys.Redis.GetDatabase().StringIncrementAsync(RedisKeys.Claimed(id));
            await events.PublishAsync(channel, CampaignEvents.Format(CampaignEvents.Claimed, id));
            var next = await before.Next.WaitAsync(TimeSpan.FromSeconds(2));
            Assert.Equal(4, next.Snapshot.Remaining);
            Assert.Equal(7, feed.Reads);

            // A claim storm announces every batch: within ClaimedRefreshMilliseconds of a read they wait for the tick...
            await events.PublishAsync(channel, CampaignEvents.Format(CampaignEvents.Claimed, id));
            await Task.Delay(300);
            Assert.Equal(7, feed.Reads);
            // ...while sold out never waits.
            await events.PublishAsync(channel, CampaignEvents.Format(CampaignEvents.SoldOut, id));
            Assert.Equal(8, await Poll.UntilAsync(() => Task.FromResult(feed.Reads), reads => reads == 8, TimeSpan.FromSeconds(5), everyMilliseconds: 10));

            foreach (var f in held)
            {
                await feeds.ReleaseAsync(f);
            }
            Assert.Equal(0, feeds.Count);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => feed.Current.Next);
        }
    }
}
