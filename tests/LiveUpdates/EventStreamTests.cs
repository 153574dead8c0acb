using System.Diagnostics;
using System.Net;
using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;
using StackExchange.Redis;

namespace FlashSale.Tests.LiveUpdates;

[Collection(SystemCollection.Name)]
public sealed class EventStreamTests(FlashSaleSystem sys)
{
    private static string Events(string campaign) => $"/api/campaigns/{campaign}/events";

    /// <summary>The edge's timers run on the shared fake clock: a little time per idle wait lets them fire.</summary>
    private void Nudge() => sys.Clock.Advance(TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task Events_BeforeStart_SendStateWithServerTimeThenCursorAndInventory()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 50, rate: 10);
        var session = await sys.SessionAsync($"sse-{campaign}");
        await sys.JoinAsync(campaign, session);

        await using var stream = await SseStream.OpenAsync(sys.Edge, Events(campaign), session);
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);

        var state = await stream.NextAsync("state");
        Assert.Equal("scheduled", state.Json["state"]!.GetValue<string>());
        Assert.Equal(campaign, state.Json["campaignId"]!.GetValue<string>());
        var serverTime = state.Json["serverTime"]!.GetValue<DateTimeOffset>();
        Assert.InRange(serverTime, sys.Clock.GetUtcNow().AddSeconds(-2), sys.Clock.GetUtcNow());
        Assert.True(state.Json["startsAt"]!.GetValue<DateTimeOffset>() > serverTime);

        var cursor = await stream.NextAsync("cursor");
        Assert.Equal(0, cursor.Json["served"]!.GetValue<long>());
        Assert.Equal(10, cursor.Json["rate"]!.GetValue<double>());
        Assert.False(cursor.Json["paused"]!.GetValue<bool>());
        Assert.Equal(1, cursor.Json["queueLength"]!.GetValue<long>());

        var inventory = await stream.NextAsync("inventory");
        Assert.Equal(50, inventory.Json["remaining"]!.GetValue<int>());
        Assert.True(inventory.Json["exact"]!.GetValue<bool>());
        Assert.All([state, cursor, inventory], e => Assert.False(string.IsNullOrEmpty(e.Id)));
        Assert.Contains(stream.Seen, e => e.Type == "retry");
    }

    [Fact]
    public async Task Events_EachListener_AdmittedWithAUsableTokenOnlyOnceTheCursorReachesItsRank()
    {
        const int shoppers = 4;
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 2);
        var sessions = new List<string>();
        for (var i = 0; i < shoppers; i++)
        {
            sessions.Add(await sys.SessionAsync($"sse-adm-{campaign}-{i}"));
            await sys.JoinAsync(campaign, sessions[^1]);
        }
        var streams = new List<SseStream>();
        foreach (var s in sessions)
        {
            streams.Add(await SseStream.OpenAsync(sys.Edge, Events(campaign), s));
        }
        try
        {
            sys.Clock.Advance(TimeSpan.FromSeconds(61));
            var start = sys.Clock.GetUtcNow();
            foreach (var (stream, session) in streams.Zip(sessions))
            {
                var admitted = await stream.NextAsync("admitted", TimeSpan.FromSeconds(20), Nudge);
                // The cursor only grows, so reading it after the event bounds what it was when the edge admitted.
                var served = (long)Math.Floor((double)await sys.Redis.GetDatabase().HashGetAsync(RedisKeys.Admission(campaign), "served"));
                var rank = (await sys.QueueStatusAsync(campaign, session))["rank"]!.GetValue<long>();
                Assert.Equal(rank, admitted.Json["rank"]!.GetValue<long>());
                Assert.True(rank <= served, $"admitted with rank {rank} while the cursor was at most {served}");
                // At 2 a second everyone's turn comes within 2 s: the edge noticed from the cursor, not from a 30 s rank refresh.
                Assert.True(sys.Clock.GetUtcNow() - start < TimeSpan.FromSeconds(10), $"admitted {sys.Clock.GetUtcNow() - start} after the start");
                Assert.Contains(stream.Seen, e => e.Type == "state" && e.Json["state"]!.GetValue<string>() == "live");

                var claim = await sys.ClaimAsync(campaign, admitted.Json["admissionToken"]!.GetValue<string>());
                Assert.Equal(HttpStatusCode.Created, claim.StatusCode);
            }
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Events_SoldOutAnnounced_ReachesEveryListenerWithinOneSecond()
    {
        const int listeners = 25;
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        var streams = new List<SseStream>();
        try
        {
            for (var i = 0; i < listeners; i++)
            {
                var session = await sys.SessionAsync($"sse-so-{campaign}-{i}");
                await sys.JoinAsync(campaign, session);
                var stream = await SseStream.OpenAsync(sys.Edge, Events(campaign), session);
                await stream.NextAsync("inventory");
                streams.Add(stream);
            }

            // What ClaimApi does at sell-out: close the cursor, publish soldout. The clock stands still, so only pub/sub can carry it.
            var watch = Stopwatch.StartNew();
            await new AdmissionCursor(sys.Redis, sys.Clock).CloseAsync(campaign);
            await sys.Redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisKeys.EventsChannel), CampaignEvents.Format(CampaignEvents.SoldOut, campaign));
            await Task.WhenAll(streams.Select(s => s.NextAsync("soldout", TimeSpan.FromSeconds(5))));
            watch.Stop();

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"sold out took {watch.ElapsedMilliseconds} ms to reach {listeners} listeners");
            Assert.All(streams, s => Assert.Contains(s.Seen, e => e.Type == "state" && e.Json["state"]!.GetValue<string>() == "soldout"));
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Events_ReconnectWithLastEventId_ResumesWithTheCurrentSnapshotAndTheSameAdmission()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 100);
        var session = await sys.SessionAsync($"sse-resume-{campaign}");
        await sys.JoinAsync(campaign, session);
        string lastId, token;
        await using (var first = await SseStream.OpenAsync(sys.Edge, Events(campaign), session))
        {
            sys.Clock.Advance(TimeSpan.FromSeconds(61));
            var admitted = await first.NextAsync("admitted", TimeSpan.FromSeconds(20), Nudge);
            token = admitted.Json["admissionToken"]!.GetValue<string>();
            lastId = admitted.Id!;
        }

        await using var resumed = await SseStream.OpenAsync(sys.Edge, Events(campaign), session, lastEventId: lastId);
        Assert.Equal(HttpStatusCode.OK, resumed.Response.StatusCode);
        var state = await resumed.NextAsync("state");
        Assert.Equal("live", state.Json["state"]!.GetValue<string>());
        await resumed.NextAsync("cursor");
        await resumed.NextAsync("inventory");
        var again = await resumed.NextAsync("admitted");
        Assert.Equal(token, again.Json["admissionToken"]!.GetValue<string>());
        Assert.True(long.Parse(again.Id!) >= long.Parse(lastId));
    }

    [Fact]
    public async Task Events_Idle_SendPingCommentsAsHeartbeats()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5, rate: 1, startsInSeconds: 3600);
        var session = await sys.SessionAsync($"sse-ping-{campaign}");
        await using var stream = await SseStream.OpenAsync(sys.Edge, Events(campaign), session);
        await stream.NextAsync("inventory");
        var ping = await stream.NextAsync(":", TimeSpan.FromSeconds(20), () => sys.Clock.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal("ping", ping.Data);
    }

    [Fact]
    public async Task Events_SessionInTheQuery_IsAcceptedForEventSource()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5);
        var session = await sys.SessionAsync($"sse-query-{campaign}");
        await using var stream = await SseStream.OpenAsync(sys.Edge, $"{Events(campaign)}?access_token={session}", bearer: null);
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        await stream.NextAsync("state");
    }

    [Fact]
    public async Task Events_WithoutSession_Answer401Problem()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5);
        var response = await sys.Edge.GetAsync(Events(campaign));
        await Api.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "/unauthenticated");
        var forged = await sys.Edge.GetAsync($"{Events(campaign)}?access_token=not.a.token");
        await Api.AssertProblemAsync(forged, HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Events_UnknownCampaign_Answer404Problem()
    {
        var session = await sys.SessionAsync("sse-nobody");
        var response = await sys.Edge.SendAsync(HttpMethod.Get, Events("c_doesnotexist0"), session);
        await Api.AssertProblemAsync(response, HttpStatusCode.NotFound, "/not-found");
    }
}
