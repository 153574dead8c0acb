using System.Net;
using Dapper;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Claims;

/// <summary>A grant that committed in PostgreSQL but whose answer never reached the instance must not park units forever.</summary>
[Collection(SystemCollection.Name)]
public sealed class StrandedLeaseTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task LeaseOpenInPostgresButUnknownToItsInstance_IsClosed_AndItsUnitsGoBackToThePool()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 20);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Created, (await sys.ClaimAsync(campaign, Mint.Token(campaign, "stranded-first", sys.Clock))).StatusCode);
        await using var conn = await sys.Db.OpenConnectionAsync();
        var instance = await conn.QuerySingleAsync<string>("select instance_id from leases where campaign_id = @campaign limit 1", new { campaign });

        // What a grant whose reply was lost leaves behind: units out of the pool, in an open lease of a live instance
        // whose heartbeat keeps it open, and no slot for it in that instance's memory.
        long stranded;
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await conn.ExecuteAsync("update campaigns set available = available - 5 where id = @campaign", new { campaign }, tx);
            stranded = await conn.ExecuteScalarAsync<long>(
                """
                insert into leases (campaign_id, instance_id, granted, granted_at, heartbeat_at)
                values (@campaign, @instance, 5, now() - interval '1 minute', now()) returning id
                """,
                new { campaign, instance }, tx);
            await tx.CommitAsync();
        }
        await InventoryAssert.BalancesAsync(conn, campaign);

        // The keeper beats once a second in real time (PostgreSQL's clock decides a lease's age, not the test's).
        var lease = await Poll.UntilAsync(
            () => conn.QuerySingleAsync<(DateTime? ClosedAt, int Returned)>("select closed_at, returned from leases where id = @stranded", new { stranded }),
            l => l.ClosedAt is not null, everyMilliseconds: 200);

        Assert.NotNull(lease.ClosedAt);
        Assert.Equal(5, lease.Returned);
        // Returned to the pool, not lost: the sum still comes to the stock with the lease closed.
        await InventoryAssert.BalancesAsync(conn, campaign);
    }
}
