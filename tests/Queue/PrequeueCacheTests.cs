using System.Net;
using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;
using FlashSale.WaitingRoom.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace FlashSale.Tests.Queue;

/// <summary>
/// Before the start the edge answers the polls of shoppers it knows to be in line from memory; a leave, on this edge or
/// another, is seen by the next poll, and after the start polls read their positions from Redis again.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class PrequeueCacheTests(FlashSaleSystem sys)
{
    private QueueService Queue => sys.EdgeServices.GetRequiredService<QueueService>();
    private PrequeueMembers Prequeue => Queue.Prequeue;

    /// <summary>A shopper joined through the edge to a campaign that starts in a minute, once the edge hears leaves.</summary>
    private async Task<(string Campaign, string User, string Session)> JoinedBeforeTheStartAsync(string prefix)
    {
        await Queue.LeavesHeard;
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1, startsInSeconds: 60);
        var user = $"{prefix}-{campaign}";
        var session = await sys.SessionAsync(user);
        await sys.JoinAsync(campaign, session);
        return (campaign, user, session);
    }

    private async Task<string> StatusOfAsync(string campaign, string session) =>
        (await sys.QueueStatusAsync(campaign, session))["status"]!.GetValue<string>();

    [Fact]
    public async Task Poll_BeforeTheStart_IsAnsweredByTheEdge_AfterTheStartTheRankComesFromRedis()
    {
        var (campaign, user, session) = await JoinedBeforeTheStartAsync("pq");

        Assert.True(Prequeue.Contains(campaign, QueueMember.Of(user)));
        var before = await sys.QueueStatusAsync(campaign, session);
        Assert.Equal("prequeue", before["status"]!.GetValue<string>());
        Assert.Equal(60, before["etaSeconds"]!.GetValue<double>(), 0.5);

        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        var after = await sys.QueueStatusAsync(campaign, session);
        Assert.Contains(after["status"]!.GetValue<string>(), new[] { "waiting", "admitted" });
        Assert.Equal(1, after["rank"]!.GetValue<long>());
    }

    [Fact]
    public async Task Rejoin_BeforeTheStart_AnswersPrequeueAndKeepsThePlace_AfterTheStartTheSameRank()
    {
        await Queue.LeavesHeard;
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1, startsInSeconds: 60);
        var sessions = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add(await sys.SessionAsync($"pq-rejoin-{i}-{campaign}"));
            await sys.JoinAsync(campaign, sessions[^1]);
        }

        var again = await sys.JoinAsync(campaign, sessions[1]);

        Assert.Equal("prequeue", again["status"]!.GetValue<string>());
        Assert.Equal(3, await sys.Redis.GetDatabase().SortedSetLengthAsync(RedisKeys.Queue(campaign)));
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        var ranks = new List<long>();
        foreach (var session in sessions)
        {
            ranks.Add((await sys.QueueStatusAsync(campaign, session))["rank"]!.GetValue<long>());
        }
        Assert.Equal([1L, 2L, 3L], ranks.Order());
        // After the start a join reads its place from Redis: the same rank, not a new one at the back.
        Assert.Equal(ranks[1], (await sys.JoinAsync(campaign, sessions[1]))["rank"]!.GetValue<long>());
    }

    [Fact]
    public async Task Leave_OnThisEdge_TheNextPollIsNotInQueue_AndARejoinIsRememberedAgain()
    {
        var (campaign, user, session) = await JoinedBeforeTheStartAsync("pq-leave");
        Assert.Equal("prequeue", await StatusOfAsync(campaign, session));

        Assert.Equal(HttpStatusCode.NoContent, (await sys.Edge.SendAsync(HttpMethod.Delete, $"/api/campaigns/{campaign}/queue", session)).StatusCode);

        Assert.False(Prequeue.Contains(campaign, QueueMember.Of(user)));
        Assert.Equal("not-in-queue", await StatusOfAsync(campaign, session));
        // Back in line after leaving: Redis has the member again, not just this edge's memory.
        await sys.JoinAsync(campaign, session);
        Assert.NotNull(await sys.Redis.GetDatabase().SortedSetScoreAsync(RedisKeys.Queue(campaign), QueueMember.Of(user)));
        Assert.Equal("prequeue", await StatusOfAsync(campaign, session));
        Assert.True(Prequeue.Contains(campaign, QueueMember.Of(user)));
    }

    [Fact]
    public async Task Leave_OnAnotherEdge_ReachesThisEdgesPollsWithinASecond()
    {
        await using var other = sys.NewEdge();
        await other.StartAsync();
        try
        {
            await LeaveThroughAsync(FlashSaleSystem.UrlOf(other));
        }
        finally
        {
            await other.StopAsync();
        }
    }

    private async Task LeaveThroughAsync(Uri otherEdge)
    {
        using var otherClient = new HttpClient { BaseAddress = otherEdge };
        var (campaign, user, session) = await JoinedBeforeTheStartAsync("pq-other");
        Assert.Equal("prequeue", await StatusOfAsync(campaign, session));
        Assert.True(Prequeue.Contains(campaign, QueueMember.Of(user)));

        Assert.Equal(HttpStatusCode.NoContent, (await otherClient.SendAsync(HttpMethod.Delete, $"/api/campaigns/{campaign}/queue", session)).StatusCode);

        Assert.Equal("not-in-queue", await sys.StatusChangedFromAsync(campaign, session, "prequeue"));
        Assert.False(Prequeue.Contains(campaign, QueueMember.Of(user)));
    }
}
