using FlashSale.LoadTests.Checks;
using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.LoadTests;

/// <summary>The checks must be able to fail: each is fed the violation it exists to catch.</summary>
[Collection(SystemCollection.Name)]
public sealed class CorrectnessChecksTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task Checks_LostCouponAndDoubleRedemption_FailThoseChecksOnly()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);
        var input = new CheckInput(campaign,
            [new SeenCoupon("ghost", "NOT-A-STORED-CODE", 201)],
            [new SeenRedemption("CODE-1", "order-1"), new SeenRedemption("CODE-1", "order-2")],
            JoinOf: null);

        var results = (await CorrectnessChecks.RunAsync(input, FlashSaleSystem.Postgres, FlashSaleSystem.RedisConnection, CancellationToken.None))
            .ToDictionary(r => r.Name);

        Assert.Equal(CheckStatus.Pass, results[CheckNames.ClaimedWithinStock].Status);
        Assert.Equal(CheckStatus.Pass, results[CheckNames.StockBalances].Status);
        Assert.Equal(CheckStatus.Pass, results[CheckNames.OneClaimPerUser].Status);
        Assert.Equal(CheckStatus.Fail, results[CheckNames.EverySeenCouponStored].Status);
        Assert.Equal(CheckStatus.Fail, results[CheckNames.RedeemedAtMostOnce].Status);
        Assert.Equal(CheckStatus.Skip, results[CheckNames.PreQueueRandom].Status);
    }

    [Fact]
    public async Task Checks_PreQueueInJoinOrder_AndPostStartOutOfOrder_BothFail()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1);
        for (var i = 0; i < 60; i++)
        {
            await sys.JoinAsync(campaign, await sys.SessionAsync($"pre-{campaign}-{i}"));
        }
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        for (var i = 0; i < 10; i++)
        {
            await sys.JoinAsync(campaign, await sys.SessionAsync($"post-{campaign}-{i}"));
        }
        var users = Enumerable.Range(0, 60).Select(i => $"pre-{campaign}-{i}").Concat(Enumerable.Range(0, 10).Select(i => $"post-{campaign}-{i}"))
            .ToDictionary(QueueMember.Of, u => u);
        var ranks = (await sys.Redis.GetDatabase().SortedSetRangeByRankAsync(RedisKeys.Queue(campaign)))
            .Select((member, rank) => (Member: (string)member!, Rank: rank))
            .ToDictionary(m => m.Member, m => m.Rank);

        // As if the pre-queue had kept join order (rho = 1), and the post-start joiners were ranked in reverse of
        // the order their joins were answered in, each answered before the next was sent.
        JoinRecord? JoinOf(string member) => users[member].StartsWith("pre-", StringComparison.Ordinal)
            ? new JoinRecord(1 + 2 * ranks[member], 2 + 2 * ranks[member])
            : new JoinRecord(1000 - 2 * ranks[member], 1001 - 2 * ranks[member]);
        var results = (await CorrectnessChecks.RunAsync(new CheckInput(campaign, [], [], JoinOf), FlashSaleSystem.Postgres, FlashSaleSystem.RedisConnection,
            CancellationToken.None)).ToDictionary(r => r.Name);

        Assert.Equal(CheckStatus.Fail, results[CheckNames.PreQueueRandom].Status);
        Assert.Equal(CheckStatus.Fail, results[CheckNames.PostStartFifo].Status);
    }
}
