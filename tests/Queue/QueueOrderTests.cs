using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Queue;

[Collection(SystemCollection.Name)]
public sealed class QueueOrderTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task PreQueue_OrderAtStartIsRandom_PostStartJoinersAreFifoBehindIt()
    {
        const int early = 400, late = 60;
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1);
        var earlySessions = new List<(int JoinOrder, string Session)>();
        for (var i = 0; i < early; i++)
        {
            // Joined one after another, so join order is known exactly.
            var session = await sys.SessionAsync($"pre-{campaign}-{i}");
            var joined = await sys.JoinAsync(campaign, session);
            Assert.Equal("prequeue", joined["status"]!.GetValue<string>());
            earlySessions.Add((i, session));
        }
        sys.Clock.Advance(TimeSpan.FromSeconds(61));

        var lateRanks = new List<long>();
        for (var i = 0; i < late; i++)
        {
            var joined = await sys.JoinAsync(campaign, await sys.SessionAsync($"post-{campaign}-{i}"));
            Assert.Equal("waiting", joined["status"]!.GetValue<string>());
            lateRanks.Add(joined["rank"]!.GetValue<long>());
        }
        var earlyRanks = new List<(int JoinOrder, long Rank)>();
        foreach (var (order, session) in earlySessions)
        {
            earlyRanks.Add((order, (await sys.QueueStatusAsync(campaign, session))["rank"]!.GetValue<long>()));
        }

        // FIFO would give rho = 1; a uniform shuffle of 400 gives |rho| above 0.25 with probability below 1e-6.
        var rho = Statistics.Spearman(earlyRanks.Select(r => (double)r.JoinOrder).ToArray(), earlyRanks.Select(r => (double)r.Rank).ToArray());
        Assert.InRange(rho, -0.25, 0.25);
        Assert.Equal(Enumerable.Range(1, early).Select(i => (long)i), earlyRanks.Select(r => r.Rank).Order());
        Assert.Equal(Enumerable.Range(early + 1, late).Select(i => (long)i), lateRanks);
    }

    [Fact]
    public async Task Join_Again_NeverImprovesThePlace()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        var first = await sys.SessionAsync($"first-{campaign}");
        var second = await sys.SessionAsync($"second-{campaign}");
        await sys.JoinAsync(campaign, first);
        var before = (await sys.JoinAsync(campaign, second))["rank"]!.GetValue<long>();
        var after = (await sys.JoinAsync(campaign, second))["rank"]!.GetValue<long>();
        Assert.Equal(2, before);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Join_AStormAtOnce_EveryShopperGetsAPlaceOfTheirOwn_AndJoiningAgainAtOnceKeepsIt()
    {
        // Concurrent joins reach Redis in batches: the ranks must still be exactly 1..n, one each.
        const int shoppers = 300;
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        var sessions = await Task.WhenAll(Enumerable.Range(0, shoppers).Select(i => sys.SessionAsync($"storm-{campaign}-{i}")));

        var first = await Task.WhenAll(sessions.Select(s => sys.JoinAsync(campaign, s)));
        var again = await Task.WhenAll(sessions.Select(s => sys.JoinAsync(campaign, s)));

        var ranks = first.Select(j => j["rank"]!.GetValue<long>()).ToArray();
        Assert.Equal(Enumerable.Range(1, shoppers).Select(i => (long)i), ranks.Order());
        Assert.Equal(ranks, again.Select(j => j["rank"]!.GetValue<long>()));
        Assert.Equal(shoppers, await sys.Redis.GetDatabase().SortedSetLengthAsync(FlashSale.Shared.Redis.RedisKeys.Queue(campaign)));
    }
}
