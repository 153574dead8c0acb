using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Redis;
using FlashSale.WaitingRoom.Queue;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace FlashSale.Tests.Queue;

/// <summary>
/// The edge's memory of waiting shoppers' places after the start answers a poll only when Redis would have answered
/// the same: a fresh seen mark, a recent cursor, and no way the shopper could have reached the cursor since.
/// </summary>
public sealed class LivePlacesTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UnixEpoch.AddSeconds(1_800_000_000));
    private static readonly string Ann = QueueMember.Of("ann");

    private Campaign LiveCampaign(int rate = 1) => new(
        "c1", "live", clock.GetUtcNow().AddMinutes(-1), clock.GetUtcNow().AddMinutes(4), 100, 1,
        new CouponSettings("percent", 10, null, null, null, null), new AdmissionSettings(rate, null, 120), null, clock.GetUtcNow().AddHours(-1));

    private long NowSecond => clock.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Ann at rank 10 (0-based) with her mark now, the cursor at 5 and nobody gone yet.</summary>
    private (LivePlaces Places, Campaign Campaign) AnnWaitingAtTen(int rate = 1)
    {
        var places = new LivePlaces(100, clock);
        var campaign = LiveCampaign(rate);
        places.Remember(places.Watch(campaign.Id), campaign, Ann, rank: 10, served: 5, left: 0, markSecond: NowSecond, clock.GetUtcNow());
        return (places, campaign);
    }

    [Fact]
    public void TryAnswer_WhileTheMarkIsFresh_TheRememberedRank_ThenRedisOnceAPollWouldRefreshTheMark()
    {
        var (places, campaign) = AnnWaitingAtTen();
        var marked = clock.GetUtcNow();

        Assert.True(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out var rank, out var served));
        Assert.Equal((10L, 5.0), (rank, served));

        // The cursor is a quarter second old at most; move it along as Redis answers for others would.
        clock.Advance(TimeSpan.FromMilliseconds(AdmissionCursor.SeenRefreshMilliseconds - 1001));
        places.See(campaign.Id, 5, closed: false, left: 0, clock.GetUtcNow());
        Assert.True(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out _, out _));

        clock.Advance(TimeSpan.FromMilliseconds(1));
        places.See(campaign.Id, 5, closed: false, left: 0, clock.GetUtcNow());
        Assert.Equal(AdmissionCursor.SeenRefreshMilliseconds - 1000, (clock.GetUtcNow() - marked).TotalMilliseconds);
        Assert.False(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out _, out _));
        Assert.Equal(2, places.Answered);
    }

    [Fact]
    public void TryAnswer_WithAStaleClosedOrForgottenCursor_GoesToRedis()
    {
        var (places, campaign) = AnnWaitingAtTen();

        clock.Advance(LivePlaces.CursorMaxAge + TimeSpan.FromMilliseconds(1));
        Assert.False(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out _, out _));

        places.See(campaign.Id, 5, closed: false, left: 0, clock.GetUtcNow());
        Assert.True(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out _, out _));
        places.ForgetCursor(campaign.Id);
        Assert.False(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out _, out _));

        places.See(campaign.Id, 5, closed: true, left: 0, clock.GetUtcNow());
        Assert.False(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out _, out _));
    }

    [Fact]
    public void See_AnOlderAnswerArrivingLate_DoesNotReplaceANewerCursor()
    {
        var (places, campaign) = AnnWaitingAtTen();
        var older = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromMilliseconds(100));

        places.See(campaign.Id, 5, closed: true, left: 0, clock.GetUtcNow());
        places.See(campaign.Id, 5, closed: false, left: 0, older);

        Assert.False(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out _, out _));
    }

    [Theory]
    // Rank 10 with the cursor at 5 and 1 admitted a second: within reach once the rank could be 6 (5 + 1 admitted in
    // a quarter second, rounded up, + 1).
    [InlineData(1, 3, true)]
    [InlineData(1, 4, false)]
    // At 100 a second the cursor can move 25 in a quarter second: already within reach.
    [InlineData(100, 0, false)]
    public void TryAnswer_WhenThoseWhoLeftMayHaveStoodAhead_GoesToRedisBeforeTheCursorCouldReachTheShopper(int rate, int leftSince, bool fromMemory)
    {
        var (places, campaign) = AnnWaitingAtTen(rate);

        places.See(campaign.Id, 5, closed: false, left: leftSince, clock.GetUtcNow());

        Assert.Equal(fromMemory, places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out var rank, out _));
        if (fromMemory)
        {
            // The rank shown is the one Redis gave: it may be behind by those who left, never ahead.
            Assert.Equal(10, rank);
        }
    }

    [Fact]
    public void Remove_TheShopperLeft_TheNextPollGoesToRedis_AndAnAnswerAskedBeforeTheLeaveIsNotKept()
    {
        var (places, campaign) = AnnWaitingAtTen();
        var askedBefore = places.Watch(campaign.Id);

        places.Remove(campaign.Id, Ann);
        places.Remember(askedBefore, campaign, Ann, rank: 10, served: 5, left: 0, markSecond: NowSecond, clock.GetUtcNow());

        Assert.False(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out _, out _));
        Assert.Equal(0, places.Count);
    }

    [Fact]
    public void Remember_AtCapacity_UpdatesAKnownPlace_ButTakesNoNewcomer()
    {
        var places = new LivePlaces(1, clock);
        var campaign = LiveCampaign();
        var bob = QueueMember.Of("bob");
        places.Remember(places.Watch(campaign.Id), campaign, Ann, rank: 10, served: 5, left: 0, markSecond: NowSecond, clock.GetUtcNow());

        // Fifteen seconds on Redis marks Ann again: her place must follow, or every later poll of hers would go to Redis.
        clock.Advance(TimeSpan.FromSeconds(15));
        places.Remember(places.Watch(campaign.Id), campaign, Ann, rank: 9, served: 5, left: 1, markSecond: NowSecond, clock.GetUtcNow());
        places.Remember(places.Watch(campaign.Id), campaign, bob, rank: 11, served: 5, left: 1, markSecond: NowSecond, clock.GetUtcNow());

        Assert.True(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out var rank, out _));
        Assert.Equal(9, rank);
        Assert.False(places.TryAnswer(campaign, bob, clock.GetUtcNow(), out _, out _));
        Assert.Equal(1, places.Count);
    }

    [Fact]
    public void TryAnswer_AMemberWithoutAMark_AlwaysGoesToRedis()
    {
        var places = new LivePlaces(100, clock);
        var campaign = LiveCampaign();

        places.Remember(places.Watch(campaign.Id), campaign, Ann, rank: 10, served: 5, left: 0, markSecond: 0, clock.GetUtcNow());

        Assert.False(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out _, out _));
    }

    [Fact]
    public void DropEndedOrIdle_ForgetsACampaignOnceItEnds()
    {
        var (places, campaign) = AnnWaitingAtTen();

        clock.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(1));
        places.DropEndedOrIdle();

        Assert.Equal(0, places.Count);
        places.See(campaign.Id, 5, closed: false, left: 0, clock.GetUtcNow());
        Assert.False(places.TryAnswer(campaign, Ann, clock.GetUtcNow(), out _, out _));
    }

    [Fact]
    public void AMillionMembers_LiveAndPrequeue_EachFitInUnder64Bytes()
    {
        const int members = 1_000_000;
        var names = Enumerable.Range(0, members).Select(i => QueueMember.Of($"mem-{i}")).ToArray();
        var campaign = LiveCampaign();

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var live = new LivePlaces(members, clock);
        foreach (var name in names)
        {
            live.Remember(live.Watch(campaign.Id), campaign, name, rank: 10, served: 5, left: 0, markSecond: NowSecond, clock.GetUtcNow());
        }
        var afterLive = GC.GetTotalMemory(forceFullCollection: true);
        var prequeue = new PrequeueMembers(members, clock);
        foreach (var name in names)
        {
            prequeue.Add(prequeue.Watch(campaign.Id), name, campaign.EndsAt);
        }
        var afterPrequeue = GC.GetTotalMemory(forceFullCollection: true);

        var (livePer, prequeuePer) = ((afterLive - before) / (double)members, (afterPrequeue - afterLive) / (double)members);
        output.WriteLine($"{members:N0} members: live places {livePer:0.0} bytes each, pre-queue {prequeuePer:0.0} bytes each");
        Assert.Equal(members, live.Count);
        Assert.Equal(members, prequeue.Count);
        Assert.True(livePer < 64, $"{livePer:0.0} bytes per live place");
        Assert.True(prequeuePer < 64, $"{prequeuePer:0.0} bytes per pre-queue member");
        GC.KeepAlive(live);
        GC.KeepAlive(prequeue);
    }
}
