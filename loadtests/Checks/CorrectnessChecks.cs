using FlashSale.Shared.Redis;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.LoadTests.Checks;

/// <summary>What the checks need from a run: the campaign, what clients were answered, and (for fairness) the joins of each queue member (a <see cref="QueueMember"/> name).</summary>
public sealed record CheckInput(
    string CampaignId,
    IReadOnlyCollection<SeenCoupon> Coupons,
    IReadOnlyCollection<SeenRedemption> Redemptions,
    Func<string, JoinRecord?>? JoinOf);

/// <summary>Every correctness check of issue 5, read-only against PostgreSQL and Redis after the run; a check that cannot run fails.</summary>
public static class CorrectnessChecks
{
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(CheckInput input, string postgres, string redis, CancellationToken ct)
    {
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        var results = new List<CheckResult>();
        try
        {
            await using var db = new NpgsqlDataSourceBuilder(postgres).Build();
            results.AddRange(await InventoryChecks.RunAsync(db, input.CampaignId, input.Coupons, input.Redemptions, ct));
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            results.AddRange(new[] { CheckNames.ClaimedWithinStock, CheckNames.StockBalances, CheckNames.OneClaimPerUser, CheckNames.EverySeenCouponStored, CheckNames.RedeemedAtMostOnce }
                .Select(name => CheckResult.Of(name, false, "could not read PostgreSQL: " + e.Message)));
        }
        if (input.JoinOf is null)
        {
            results.Add(new CheckResult(CheckNames.PreQueueRandom, CheckStatus.Skip, "this scenario does not record join order"));
            results.Add(new CheckResult(CheckNames.PostStartFifo, CheckStatus.Skip, "this scenario does not record join order"));
            return results;
        }
        try
        {
            await using var mux = await ConnectionMultiplexer.ConnectAsync(redis);
            results.AddRange(await QueueOrderChecks.RunAsync(mux.GetDatabase(), RedisKeys.Queue(input.CampaignId), input.JoinOf, ct));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            results.Add(CheckResult.Of(CheckNames.PreQueueRandom, false, "could not read Redis: " + e.Message));
            results.Add(CheckResult.Of(CheckNames.PostStartFifo, false, "could not read Redis: " + e.Message));
        }
        return results;
    }
}
