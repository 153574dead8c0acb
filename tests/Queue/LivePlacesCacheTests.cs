using System.Net;
using FlashSale.LoadTests.Http;
using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;
using FlashSale.WaitingRoom.Queue;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace FlashSale.Tests.Queue;

/// <summary>
/// After the start the edge answers a waiting shopper's polls from the place Redis last gave while the seen mark is
/// fresh; a poll that would refresh the mark, a shopper who could have reached the cursor, a leave, and a sell-out all
/// go to Redis, and no place is lost to the expiry for it.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class LivePlacesCacheTests(FlashSaleSystem sys)
{
    private QueueService Queue => sys.EdgeServices.GetRequiredService<QueueService>();
    private LivePlaces Live => Queue.Live;

    /// <summary>A live campaign with admission paused (the cursor stays at 0), and <paramref name="count"/> shoppers in line in order.</summary>
    private async Task<(string Campaign, string[] Sessions)> LineAsync(string prefix, int count)
    {
        await Queue.LeavesHeard;
        var campaign = await sys.CreateCampaignAsync(stock: 10, admission: new { ratePerSecond = 1, positionExpirySeconds = 60 });
        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 1, paused = true });
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        var sessions = new string[count];
        for (var i = 0; i < count; i++)
        {
            sessions[i] = await sys.SessionAsync($"{prefix}-{i}-{campaign}");
            Assert.Equal(i + 1, (await sys.JoinAsync(campaign, sessions[i]))["rank"]!.GetValue<long>());
        }
        return (campaign, sessions);
    }

    [Fact]
    public async Task Poll_WithinTheMarksRefreshWindow_IsAnsweredByTheEdge_ThenOneReadsRedisAndRefreshesTheMark()
    {
        var (campaign, sessions) = await LineAsync("lp-window", 5);
        var user = $"lp-window-4-{campaign}";
        var joinedMark = await sys.SeenMarkAsync(campaign, user);

        var answered = Live.Answered;
        var status = await sys.QueueStatusAsync(campaign, sessions[4]);

        Assert.Equal(answered + 1, Live.Answered);
        Assert.Equal("waiting", status["status"]!.GetValue<string>());
        Assert.Equal(5, status["rank"]!.GetValue<long>());
        Assert.Equal(4, status["ahead"]!.GetValue<long>());
        Assert.Null(status["etaSeconds"]);

        // 14 s after the join's mark a poll must write a new one: it goes to Redis, and the place lasts 60 s from it.
        // (A newcomer's join, read from Redis just before, keeps the edge's view of the cursor fresh.)
        sys.Clock.Advance(TimeSpan.FromMilliseconds(AdmissionCursor.SeenRefreshMilliseconds - 1000));
        await sys.JoinAsync(campaign, await sys.SessionAsync($"lp-window-late-{campaign}"));
        answered = Live.Answered;
        Assert.Equal(5, (await sys.QueueStatusAsync(campaign, sessions[4]))["rank"]!.GetValue<long>());
        Assert.Equal(answered, Live.Answered);
        Assert.Equal(joinedMark + (AdmissionCursor.SeenRefreshMilliseconds - 1000) / 1000, await sys.SeenMarkAsync(campaign, user));
        // And the answer from Redis is remembered again: the next poll is the edge's.
        Assert.Equal(5, (await sys.QueueStatusAsync(campaign, sessions[4]))["rank"]!.GetValue<long>());
        Assert.Equal(answered + 1, Live.Answered);

        // Operators see it in the edge's metrics (the exporter may serve a scrape a moment old).
        var counted = Live.Answered;
        var exported = await Poll.UntilAsync(ExportedLiveAnswersAsync, e => e >= counted, TimeSpan.FromSeconds(3), everyMilliseconds: 100);
        Assert.True(exported >= counted, $"/metrics says {exported} live answers from memory, the edge counted {counted}");
    }

    private async Task<double> ExportedLiveAnswersAsync()
    {
        var exported = ServiceMetrics.Sum(await sys.Edge.GetStringAsync("/metrics"), "flashsale_queue_answers_from_memory_total", "phase=\"live\"");
        Assert.NotNull(exported);
        return exported.Value;
    }

    [Fact]
    public async Task Poll_AfterThoseAheadLeft_ReadsRedisOnceTheyCouldHaveBroughtTheShopperWithinReach()
    {
        var (campaign, sessions) = await LineAsync("lp-left", 6);
        Assert.Equal(6, (await sys.QueueStatusAsync(campaign, sessions[5]))["rank"]!.GetValue<long>());

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await sys.Edge.SendAsync(HttpMethod.Delete, $"/api/campaigns/{campaign}/queue", sessions[i])).StatusCode);
        }
        // Another shopper's poll reads Redis (a fresh session, never answered from memory) and brings the departures.
        var late = await sys.SessionAsync($"lp-left-late-{campaign}");
        Assert.Equal(3, (await sys.JoinAsync(campaign, late))["rank"]!.GetValue<long>());

        // Rank 5 (0-based) with four gone: it could be 1 now, within reach of a cursor at 0 moving one a second.
        var answered = Live.Answered;
        var status = await sys.QueueStatusAsync(campaign, sessions[5]);

        Assert.Equal(answered, Live.Answered);
        Assert.Equal(2, status["rank"]!.GetValue<long>());

        // Resumed, the cursor passes them: both are told at once, not from a rank remembered before the leaves.
        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 1, paused = false });
        await sys.EventuallyAsync(async () => (await sys.QueueStatusAsync(campaign, sessions[5]))["status"]!.GetValue<string>() == "admitted");
        Assert.Equal(2, (await sys.QueueStatusAsync(campaign, sessions[5]))["rank"]!.GetValue<long>());
    }

    [Fact]
    public async Task Poll_OfAShopperWhoLeftOnAnotherEdge_IsNotInQueueWithinASecond()
    {
        var (campaign, sessions) = await LineAsync("lp-other", 2);
        Assert.Equal("waiting", (await sys.QueueStatusAsync(campaign, sessions[1]))["status"]!.GetValue<string>());
        await using var other = sys.NewEdge();
        await other.StartAsync();
        try
        {
            using var otherClient = new HttpClient { BaseAddress = FlashSaleSystem.UrlOf(other) };
            Assert.Equal(HttpStatusCode.NoContent, (await otherClient.SendAsync(HttpMethod.Delete, $"/api/campaigns/{campaign}/queue", sessions[1])).StatusCode);
        }
        finally
        {
            await other.StopAsync();
        }

        Assert.Equal("not-in-queue", await sys.StatusChangedFromAsync(campaign, sessions[1], "waiting"));
    }

    [Fact]
    public async Task Poll_AfterRedisToldAnotherShopperItIsSoldOut_IsSoldOut_WithoutWaitingForTheAnnouncement()
    {
        var (campaign, sessions) = await LineAsync("lp-closed", 3);
        var answered = Live.Answered;
        Assert.Equal("waiting", (await sys.QueueStatusAsync(campaign, sessions[2]))["status"]!.GetValue<string>());
        Assert.Equal(answered + 1, Live.Answered);
        // A shopper this edge has never answered for: their poll reads Redis.
        var db = sys.Redis.GetDatabase();
        var startMs = (long)await db.HashGetAsync(RedisKeys.Admission(campaign), "startMs");
        var stranger = $"lp-closed-stranger-{campaign}";
        await QueueScripts.JoinAsync(db, campaign, QueueMember.Of(stranger), "0123456789ABCDEF0123456789ABCDEF", sys.Clock.GetUtcNow().ToUnixTimeMilliseconds(), startMs, stock: 10);

        // Closed in Redis, never announced: the stranger's answer is what tells this edge.
        await new AdmissionCursor(sys.Redis, sys.Clock).CloseAsync(campaign);
        Assert.Equal("soldout", (await sys.QueueStatusAsync(campaign, await sys.SessionAsync(stranger)))["status"]!.GetValue<string>());

        Assert.Equal("soldout", (await sys.QueueStatusAsync(campaign, sessions[2]))["status"]!.GetValue<string>());
        Assert.Equal(answered + 1, Live.Answered);
    }

    [Fact]
    public async Task Poll_AfterASellOutIsAnnounced_IsSoldOutWithinASecond()
    {
        var (campaign, sessions) = await LineAsync("lp-soldout", 3);
        var answered = Live.Answered;
        Assert.Equal("waiting", (await sys.QueueStatusAsync(campaign, sessions[2]))["status"]!.GetValue<string>());
        Assert.Equal(answered + 1, Live.Answered);

        // What ClaimApi does when the last unit goes: close the cursor, then announce it.
        await new AdmissionCursor(sys.Redis, sys.Clock).CloseAsync(campaign);
        await sys.Redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisKeys.EventsChannel), CampaignEvents.Format(CampaignEvents.SoldOut, campaign));

        Assert.Equal("soldout", await sys.StatusChangedFromAsync(campaign, sessions[2], "waiting"));
    }
}
