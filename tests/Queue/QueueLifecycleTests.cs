using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;
using StackExchange.Redis;

namespace FlashSale.Tests.Queue;

/// <summary>
/// Places are kept only by those who keep looking, turns lapse when unused, giving up frees a place at once, and
/// maxActive holds admission while enough admitted shoppers have not finished. The clock is moved, never slept on.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class QueueLifecycleTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task Waiting_UnseenLongerThanThePositionExpiry_LosesThePlaceAndThoseBehindMoveUp()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1, admission: new { ratePerSecond = 1, positionExpirySeconds = 60 });
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 1, paused = true });
        var (gone, stays, last) = (await sys.SessionAsync($"gone-{campaign}"), await sys.SessionAsync($"stays-{campaign}"), await sys.SessionAsync($"last-{campaign}"));
        foreach (var s in new[] { gone, stays, last })
        {
            await sys.JoinAsync(campaign, s);
        }

        // Thirty seconds apart, two of them look again; the first never does.
        for (var step = 0; step < 3; step++)
        {
            sys.Clock.Advance(TimeSpan.FromSeconds(30));
            await sys.QueueStatusAsync(campaign, stays);
            await sys.QueueStatusAsync(campaign, last);
        }
        // Asking through the API would itself count as looking again, so watch the queue in Redis.
        await sys.EventuallyAsync(async () => await sys.Redis.GetDatabase().SortedSetRankAsync(RedisKeys.Queue(campaign), QueueMember.Of($"gone-{campaign}")) is null);

        Assert.Equal("not-in-queue", (await sys.QueueStatusAsync(campaign, gone))["status"]!.GetValue<string>());
        Assert.Equal(1, (await sys.QueueStatusAsync(campaign, stays))["rank"]!.GetValue<long>());
        Assert.Equal(2, (await sys.QueueStatusAsync(campaign, last))["rank"]!.GetValue<long>());
        // Coming back means the back of the line, never the old place.
        Assert.Equal(3, (await sys.JoinAsync(campaign, gone))["rank"]!.GetValue<long>());
    }

    [Fact]
    public async Task PreQueue_UnseenForTheExpiryFromTheStart_LoseTheirPlaces_ThoseWhoKeptLookingKeepTheirs()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1, admission: new { ratePerSecond = 1, positionExpirySeconds = 60 });
        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 1, paused = true });
        var users = Enumerable.Range(0, 20).Select(i => $"pre-{i}-{campaign}").ToArray();
        var sessions = new List<string>();
        foreach (var user in users)
        {
            sessions.Add(await sys.SessionAsync(user));
            await sys.JoinAsync(campaign, sessions[^1]);
        }
        var db = sys.Redis.GetDatabase();

        // Half of them look again half a minute after the start; the others last looked when they joined.
        sys.Clock.Advance(TimeSpan.FromSeconds(61 + 30));
        for (var i = 0; i < 20; i += 2)
        {
            Assert.Equal("waiting", (await sys.QueueStatusAsync(campaign, sessions[i]))["status"]!.GetValue<string>());
        }
        // The pre-queue's expiry counts from the start, so nobody has lost a place 59 s into the campaign.
        sys.Clock.Advance(TimeSpan.FromSeconds(28));
        await sys.NudgeAsync(3);
        Assert.Equal(20, await db.SortedSetLengthAsync(RedisKeys.Queue(campaign)));

        // Past it, the reaper finds the stale marks by join index and the shuffled places they stand for.
        sys.Clock.Advance(TimeSpan.FromSeconds(3));
        await sys.EventuallyAsync(async () => await db.SortedSetLengthAsync(RedisKeys.Queue(campaign)) == 10);
        var left = (await db.SortedSetRangeByRankAsync(RedisKeys.Queue(campaign))).Select(m => (string)m!).ToHashSet();
        Assert.Equal(users.Where((_, i) => i % 2 == 0).Select(QueueMember.Of).ToHashSet(), left);
        var ranks = new List<long>();
        for (var i = 0; i < 20; i += 2)
        {
            ranks.Add((await sys.QueueStatusAsync(campaign, sessions[i]))["rank"]!.GetValue<long>());
        }
        Assert.Equal(Enumerable.Range(1, 10).Select(r => (long)r), ranks.Order());
    }

    [Fact]
    public async Task Reaper_MoreStaleMarksThanOneTickReads_ResumesWhereItStopped_UntilOnlyThoseWhoLookedAreLeft()
    {
        // A tick reads at least 1,024 marks and removes at most 1,000: 3,000 silent shoppers take several ticks.
        var (campaign, lookers) = await SilentCrowdAroundLookersAsync(silent: 3_000, lookers: 5);
        var db = sys.Redis.GetDatabase();

        await sys.EventuallyAsync(async () => await db.SortedSetLengthAsync(RedisKeys.Queue(campaign)) == 5);
        var ranks = new List<long>();
        foreach (var session in lookers)
        {
            ranks.Add((await sys.QueueStatusAsync(campaign, session))["rank"]!.GetValue<long>());
        }
        Assert.Equal([1L, 2, 3, 4, 5], ranks.Order());
    }

    [Fact]
    public async Task Admission_ExpiredPlacesCrowdTheFront_NoTurnIsSpentOnThem()
    {
        // Far more silent shoppers than the reaper removes in a tick, shuffled in among three who keep looking.
        var (campaign, lookers) = await SilentCrowdAroundLookersAsync(silent: 5_000, lookers: 3);
        var db = sys.Redis.GetDatabase();

        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 1000, paused = false });
        await sys.EventuallyAsync(async () => (await db.SortedSetRangeByRankAsync(RedisKeys.Active(campaign))).Length >= 3);
        var admitted = (await db.SortedSetRangeByRankAsync(RedisKeys.Active(campaign))).Select(m => (string)m!).ToHashSet();
        Assert.Equal(Enumerable.Range(0, 3).Select(i => QueueMember.Of($"here-{i}-{campaign}")).ToHashSet(), admitted);
        foreach (var session in lookers)
        {
            Assert.Equal("admitted", (await sys.QueueStatusAsync(campaign, session))["status"]!.GetValue<string>());
        }
    }

    /// <summary>
    /// A paused campaign (expiry 60 s) whose pre-queue holds <paramref name="silent"/> shoppers written by the join
    /// script itself, who never look again, and <paramref name="lookers"/> ("here-{i}-{campaign}") who joined through
    /// the edge and polled 50 s after the start; the clock is left 61 s after the start, past the silent ones' expiry.
    /// </summary>
    private async Task<(string Campaign, List<string> Lookers)> SilentCrowdAroundLookersAsync(int silent, int lookers)
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1, admission: new { ratePerSecond = 1, positionExpirySeconds = 60 });
        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 1, paused = true });
        var db = sys.Redis.GetDatabase();
        var startMs = (long)await db.HashGetAsync(RedisKeys.Admission(campaign), "startMs");
        await Task.WhenAll(Enumerable.Range(0, silent).Select(i => QueueScripts.JoinAsync(db,
            campaign, QueueMember.Of($"gone-{i}-{campaign}"), "0123456789ABCDEF0123456789ABCDEF", sys.Clock.GetUtcNow().ToUnixTimeMilliseconds(), startMs, stock: 10)));
        var sessions = new List<string>();
        for (var i = 0; i < lookers; i++)
        {
            sessions.Add(await sys.SessionAsync($"here-{i}-{campaign}"));
            await sys.JoinAsync(campaign, sessions[^1]);
        }
        sys.Clock.Advance(TimeSpan.FromSeconds(61 + 50));
        foreach (var session in sessions)
        {
            await sys.QueueStatusAsync(campaign, session);
        }
        sys.Clock.Advance(TimeSpan.FromSeconds(11));
        return (campaign, sessions);
    }

    [Fact]
    public async Task Waiting_APollSoonAfterTheLast_StillKeepsThePlaceForTheWholeExpiry_AndTheSlackIsBounded()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1, admission: new { ratePerSecond = 1, positionExpirySeconds = 60 });
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 1, paused = true });
        var session = await sys.SessionAsync($"soon-{campaign}");
        var user = QueueMember.Of($"soon-{campaign}");
        await sys.JoinAsync(campaign, session);
        var db = sys.Redis.GetDatabase();
        Task<long> SeenMarkAsync() => sys.SeenMarkAsync(campaign, $"soon-{campaign}");
        var joinedAt = await SeenMarkAsync();
        Assert.Equal(sys.Clock.GetUtcNow().ToUnixTimeSeconds(), joinedAt);
        // Inside the refresh window this poll writes no new seen mark; the place must still last 60 s from it.
        sys.Clock.Advance(TimeSpan.FromSeconds(3));
        await sys.QueueStatusAsync(campaign, session);
        Assert.Equal(joinedAt, await SeenMarkAsync());

        sys.Clock.Advance(TimeSpan.FromSeconds(59));
        await sys.NudgeAsync(3);
        Assert.NotNull(await db.SortedSetRankAsync(RedisKeys.Queue(campaign), user));

        // Past the refresh slack the place goes (watched in Redis: asking would count as a poll).
        sys.Clock.Advance(TimeSpan.FromMilliseconds(AdmissionCursor.SeenRefreshMilliseconds));
        await sys.EventuallyAsync(async () => await db.SortedSetRankAsync(RedisKeys.Queue(campaign), user) is null);
    }

    [Fact]
    public async Task Admitted_NeverClaims_TheTurnLapsesWithTheToken_AndTheNextShopperIsAdmitted()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, admission: new { ratePerSecond = 1000, maxActive = 1, tokenTtlSeconds = 30 });
        var sessions = new[] { await sys.SessionAsync($"lapse-a-{campaign}"), await sys.SessionAsync($"lapse-b-{campaign}") };
        foreach (var s in sessions)
        {
            await sys.JoinAsync(campaign, s);
        }
        await sys.StartAndAdmitAsync(campaign, 1);
        var statuses = await Task.WhenAll(sessions.Select(s => sys.QueueStatusAsync(campaign, s)));
        var first = Array.FindIndex(statuses, s => s["status"]!.GetValue<string>() == "admitted");
        Assert.True(first >= 0, "one of the two is admitted");
        var (idle, next) = (sessions[first], sessions[1 - first]);
        var token = statuses[first]["admissionToken"]!.GetValue<string>();
        var expires = statuses[first]["tokenExpiresAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expires - sys.Clock.GetUtcNow(), TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(31));
        // maxActive 1: the cursor waits while the first turn is open, however long the rate would allow.
        sys.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("waiting", (await sys.QueueStatusAsync(campaign, next))["status"]!.GetValue<string>());

        sys.Clock.Advance(TimeSpan.FromSeconds(26));
        await sys.EventuallyAsync(async () => (await sys.QueueStatusAsync(campaign, next))["status"]!.GetValue<string>() == "admitted");

        Assert.Equal("not-in-queue", (await sys.QueueStatusAsync(campaign, idle))["status"]!.GetValue<string>());
        sys.Clock.Advance(TimeSpan.FromSeconds(6));
        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, token), HttpStatusCode.Unauthorized, "/unauthenticated");
        // The lapsed shopper keeps its rank in Redis (nobody's place moves) until it comes back, at the back of the line.
        Assert.Equal(2, await sys.Redis.GetDatabase().SortedSetLengthAsync(RedisKeys.Queue(campaign)));
        var back = await sys.JoinAsync(campaign, idle);
        Assert.Equal(("waiting", 2L), (back["status"]!.GetValue<string>(), back["rank"]!.GetValue<long>()));
        Assert.Equal("admitted", (await sys.QueueStatusAsync(campaign, next))["status"]!.GetValue<string>());
        var admission = await sys.Redis.GetDatabase().HashGetAsync(RedisKeys.Admission(campaign), ["served", "departed"]);
        // Two admitted ever: the cursor counts the one still in line, departed the one whose turn lapsed and who left.
        Assert.Equal(2, double.Parse((string)admission[0]!, CultureInfo.InvariantCulture) + (long)admission[1]);
    }

    [Fact]
    public async Task MaxActive_HoldsAdmission_AndEachClaimFreesAPlaceAtOnce()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, admission: new { ratePerSecond = 1000, maxActive = 2 });
        var sessions = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sessions.Add(await sys.SessionAsync($"cap-{i}-{campaign}"));
            await sys.JoinAsync(campaign, sessions[^1]);
        }
        await sys.StartAndAdmitAsync(campaign, 2);
        sys.Clock.Advance(TimeSpan.FromSeconds(2));
        await sys.NudgeAsync(5);
        Assert.Equal(2, await Admitted(sessions, campaign));

        var admitted = (await Task.WhenAll(sessions.Select(s => sys.QueueStatusAsync(campaign, s)))).First(s => s["status"]!.GetValue<string>() == "admitted");
        Assert.Equal(HttpStatusCode.Created, (await sys.ClaimAsync(campaign, admitted["admissionToken"]!.GetValue<string>())).StatusCode);
        await sys.WaitForServedAsync(campaign, 3);
        sys.Clock.Advance(TimeSpan.FromSeconds(2));
        await sys.NudgeAsync(5);

        // Three admitted: the one who claimed, and two open turns.
        Assert.Equal(3, await Admitted(sessions, campaign));
    }

    [Fact]
    public async Task MaxActive_RaisedLive_TakesEffectWithinOneSecondAndIsAudited()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, admission: new { ratePerSecond = 1000, maxActive = 1 });
        var sessions = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            sessions.Add(await sys.SessionAsync($"raise-{i}-{campaign}"));
            await sys.JoinAsync(campaign, sessions[^1]);
        }
        await sys.StartAndAdmitAsync(campaign, 1);

        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 1000, paused = false, maxActive = 3 });
        // Within one second of campaign time: ten 100 ms ticks at most. Waiting on the outcome, not a fixed real-time
        // pause, keeps a busy machine from failing a change that did take effect.
        await sys.EventuallyAsync(async () => await Admitted(sessions, campaign) >= 3, maxTicks: 10);

        Assert.Equal(3, await Admitted(sessions, campaign));
        var audit = await sys.GetAdminAsync($"/api/admin/audit?campaignId={campaign}");
        Assert.Contains(audit.AsArray(), e => e!["action"]!.GetValue<string>() == "campaign.admission" && e["campaignId"]?.GetValue<string>() == campaign);
    }

    [Fact]
    public async Task Leave_FreesThePlaceAtOnce_WithoutAdmittingAnyoneTheRateHasNotReached()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        var sessions = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add(await sys.SessionAsync($"leave-{i}-{campaign}"));
            await sys.JoinAsync(campaign, sessions[^1]);
        }
        await sys.WaitForServedAsync(campaign, 1);
        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 1, paused = true });
        Assert.Equal("admitted", (await sys.QueueStatusAsync(campaign, sessions[0]))["status"]!.GetValue<string>());

        var left = await sys.Edge.SendAsync(HttpMethod.Delete, $"/api/campaigns/{campaign}/queue", sessions[0]);

        Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        Assert.Equal("not-in-queue", (await sys.QueueStatusAsync(campaign, sessions[0]))["status"]!.GetValue<string>());
        // Everyone moved up one place, but the turn given up is not handed on: admissions stay the integral of the rate.
        var next = await sys.QueueStatusAsync(campaign, sessions[1]);
        Assert.Equal(("waiting", 1L, 0L), (next["status"]!.GetValue<string>(), next["rank"]!.GetValue<long>(), next["ahead"]!.GetValue<long>()));
        Assert.Equal(2, (await sys.QueueStatusAsync(campaign, sessions[2]))["rank"]!.GetValue<long>());
        var admission = await sys.Redis.GetDatabase().HashGetAsync(RedisKeys.Admission(campaign), ["served", "departed"]);
        Assert.Equal(1, (long)admission[1]);
        Assert.InRange(double.Parse((string)admission[0]!, CultureInfo.InvariantCulture), 0, 1);
        await Api.AssertProblemAsync(
            await sys.Edge.SendAsync(HttpMethod.Delete, $"/api/campaigns/{campaign}/queue", sessions[0]), HttpStatusCode.NotFound, "/not-found");
    }

    [Fact]
    public async Task Status_WhilePaused_HasNoEstimate_AndAfterResumeTheEstimateIsAheadOverRate()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 2);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 2, paused = true });
        var sessions = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            sessions.Add(await sys.SessionAsync($"eta-{i}-{campaign}"));
            await sys.JoinAsync(campaign, sessions[^1]);
        }
        // The edge learns of the pause through pub/sub, within a tick or two.
        await sys.EventuallyAsync(async () => (await sys.QueueStatusAsync(campaign, sessions[10]))["etaSeconds"] is null);
        var paused = await sys.QueueStatusAsync(campaign, sessions[10]);
        Assert.Equal(10, paused["ahead"]!.GetValue<long>());
        Assert.Null(paused["etaSeconds"]);

        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 2, paused = false });
        await sys.EventuallyAsync(async () => (await sys.QueueStatusAsync(campaign, sessions[10]))["etaSeconds"] is not null);
        var resumed = await sys.QueueStatusAsync(campaign, sessions[10]);
        // 11th in line at 2 a second: about five and a half seconds, minus what the cursor has moved meanwhile.
        Assert.InRange(resumed["etaSeconds"]!.GetValue<double>(), 4.0, 5.5);
    }

    private async Task<int> Admitted(IEnumerable<string> sessions, string campaign) =>
        (await Task.WhenAll(sessions.Select(s => sys.QueueStatusAsync(campaign, s)))).Count(s => s["status"]!.GetValue<string>() == "admitted");
}
