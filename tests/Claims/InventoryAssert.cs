using Dapper;
using Npgsql;

namespace FlashSale.Tests.Claims;

public static class InventoryAssert
{
    /// <summary>DESIGN.md invariant 4, read straight from PostgreSQL: claimed + available + held by open leases = stock.</summary>
    public static async Task BalancesAsync(NpgsqlConnection conn, string campaign)
    {
        var (stock, available, leased, claimed) = await conn.QuerySingleAsync<(int, int, int, int)>(
            """
            select c.stock, c.available,
                   coalesce((select sum(granted - used - returned) from leases where campaign_id = c.id and closed_at is null), 0)::int,
                   (select count(*) from claims where campaign_id = c.id and status in ('claimed', 'redeemed'))::int
            from campaigns c where c.id = @campaign
            """,
            new { campaign });
        Assert.True(claimed <= stock, $"claimed {claimed} > stock {stock}");
        Assert.Equal(stock, claimed + available + leased);
    }
}
