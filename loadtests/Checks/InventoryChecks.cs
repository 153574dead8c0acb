using System.Globalization;
using Dapper;
using Npgsql;

namespace FlashSale.LoadTests.Checks;

/// <summary>The checks PostgreSQL answers: stock, leases, one claim per user, the coupons clients saw, redemptions.</summary>
public static class InventoryChecks
{
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(
        NpgsqlDataSource db, string campaignId, IReadOnlyCollection<SeenCoupon> coupons, IReadOnlyCollection<SeenRedemption> redemptions, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // One statement, one snapshot: a group commit landing meanwhile moves claims and lease use together.
        var totals = await conn.QuerySingleOrDefaultAsync<Totals>(new CommandDefinition(
            """
            select c.stock, c.available,
                   coalesce((select sum(granted - used - returned) from leases where campaign_id = c.id and closed_at is null), 0)::int as leased,
                   (select count(*) from claims where campaign_id = c.id and status in ('claimed', 'redeemed'))::int as claimed,
                   (select count(*) from (select 1 from claims where campaign_id = c.id group by user_id having count(*) > 1) d)::int as users_with_two
            from campaigns c where c.id = @campaignId
            """,
            new { campaignId }, cancellationToken: ct));
        if (totals is null)
        {
            return [.. new[] { CheckNames.ClaimedWithinStock, CheckNames.StockBalances, CheckNames.OneClaimPerUser, CheckNames.EverySeenCouponStored, CheckNames.RedeemedAtMostOnce }
                .Select(name => CheckResult.Of(name, false, $"campaign {campaignId} is not in PostgreSQL"))];
        }
        var rows = (await conn.QueryAsync<ClaimRow>(new CommandDefinition(
            "select user_id, coupon_code, status, order_id from claims where campaign_id = @campaignId",
            new { campaignId }, cancellationToken: ct))).ToDictionary(r => r.CouponCode, StringComparer.Ordinal);

        return
        [
            CheckResult.Of(CheckNames.ClaimedWithinStock, totals.Claimed <= totals.Stock, $"claimed {N(totals.Claimed)} of stock {N(totals.Stock)}"),
            CheckResult.Of(CheckNames.StockBalances, totals.Claimed + totals.Available + totals.Leased == totals.Stock,
                $"{N(totals.Claimed)} + {N(totals.Available)} + {N(totals.Leased)} = {N(totals.Claimed + totals.Available + totals.Leased)}, stock {N(totals.Stock)}"),
            OneClaimPerUser(totals.UsersWithTwo, coupons),
            EverySeenCouponStored(coupons, rows),
            RedeemedAtMostOnce(redemptions, rows),
        ];
    }

    private static CheckResult OneClaimPerUser(int usersWithTwo, IReadOnlyCollection<SeenCoupon> coupons)
    {
        var clientsWithTwo = coupons.GroupBy(c => c.UserId, StringComparer.Ordinal).Count(g => g.Select(c => c.Code).Distinct(StringComparer.Ordinal).Count() > 1);
        return CheckResult.Of(CheckNames.OneClaimPerUser, usersWithTwo == 0 && clientsWithTwo == 0,
            $"users with two rows in PostgreSQL: {N(usersWithTwo)}; clients answered two different coupons: {N(clientsWithTwo)}");
    }

    private static CheckResult EverySeenCouponStored(IReadOnlyCollection<SeenCoupon> coupons, Dictionary<string, ClaimRow> rows)
    {
        int created = 0, createdFound = 0, again = 0, againFound = 0;
        var missing = new List<string>();
        foreach (var seen in coupons)
        {
            var found = rows.TryGetValue(seen.Code, out var row) && row.UserId == seen.UserId;
            if (seen.Status == 201)
            {
                created++;
                createdFound += found ? 1 : 0;
            }
            else
            {
                again++;
                againFound += found ? 1 : 0;
            }
            if (!found && missing.Count < 3)
            {
                missing.Add($"{seen.UserId}/{seen.Code}");
            }
        }
        var detail = $"{N(createdFound)} of {N(created)} coupons answered 201 are in PostgreSQL for their user; {N(againFound)} of {N(again)} answered 200"
            + (missing.Count > 0 ? "; missing e.g. " + string.Join(", ", missing) : "");
        return CheckResult.Of(CheckNames.EverySeenCouponStored, createdFound == created && againFound == again, detail);
    }

    private static CheckResult RedeemedAtMostOnce(IReadOnlyCollection<SeenRedemption> redemptions, Dictionary<string, ClaimRow> rows)
    {
        var twice = redemptions.GroupBy(r => r.Code, StringComparer.Ordinal).Count(g => g.Select(r => r.OrderId).Distinct(StringComparer.Ordinal).Count() > 1);
        var unlike = redemptions.Count(r => !rows.TryGetValue(r.Code, out var row) || row.Status != "redeemed" || row.OrderId != r.OrderId);
        var redeemedRows = rows.Values.Count(r => r.Status == "redeemed");
        return CheckResult.Of(CheckNames.RedeemedAtMostOnce, twice == 0 && unlike == 0,
            $"{N(redemptions.Count)} redemptions answered 200; coupons answered 200 for two different orders: {N(twice)}; "
            + $"200s that PostgreSQL does not show as that order's redemption: {N(unlike)}; redeemed rows: {N(redeemedRows)}");
    }

    public static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private sealed class Totals
    {
        public int Stock { get; init; }
        public int Available { get; init; }
        public int Leased { get; init; }
        public int Claimed { get; init; }
        public int UsersWithTwo { get; init; }
    }

    private sealed class ClaimRow
    {
        public string UserId { get; init; } = "";
        public string CouponCode { get; init; } = "";
        public string Status { get; init; } = "";
        public string? OrderId { get; init; }
    }
}
