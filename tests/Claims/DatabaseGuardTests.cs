using Dapper;
using FlashSale.ClaimApi;
using FlashSale.ClaimApi.Claims;
using FlashSale.ClaimApi.Inventory;
using FlashSale.Tests.Infrastructure;
using Npgsql;

namespace FlashSale.Tests.Claims;

/// <summary>
/// DESIGN.md invariants 1 and 2 hold in PostgreSQL itself, not only in service code: these run the grant and the
/// group-commit statement the way a buggy ClaimApi would call them, and the database refuses; and losing Redis
/// mid-storm changes nothing about how many units are sold.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class DatabaseGuardTests(FlashSaleSystem sys)
{
    private const string Instance = "guard-test-instance";

    [Fact]
    public async Task Grant_NeverExceedsThePool_AndThePoolCannotGoNegative()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5);
        var leases = new LeaseStore(sys.Db);

        var first = await leases.GrantAsync(campaign, Instance, want: 10);
        var second = await leases.GrantAsync(campaign, Instance, want: 10);

        Assert.Equal(5, first!.Units);
        Assert.Null(second);
        await using var conn = await sys.Db.OpenConnectionAsync();
        var overdraw = await Assert.ThrowsAsync<PostgresException>(() =>
            conn.ExecuteAsync("update campaigns set available = available - 1 where id = @campaign", new { campaign }));
        Assert.Equal(PostgresErrorCodes.CheckViolation, overdraw.SqlState);
        await CloseAsync(first.LeaseId);
    }

    [Fact]
    public async Task ClaimsBeyondTheirLease_AreRefused_AndNothingOfTheBatchIsWritten()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);
        var lease = (await new LeaseStore(sys.Db).GrantAsync(campaign, Instance, want: 2))!;
        await using var conn = await sys.Db.OpenConnectionAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(conn, campaign, lease.LeaseId, "over-1", "over-2", "over-3"));

        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*) from claims where campaign_id = @campaign", new { campaign }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select used from leases where id = @id", new { id = lease.LeaseId }));
        await CloseAsync(lease.LeaseId);
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    [Fact]
    public async Task ASecondClaimOfOneUser_IsNotWritten_EvenInOneBatch_OrByAPlainInsert()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);
        var lease = (await new LeaseStore(sys.Db).GrantAsync(campaign, Instance, want: 5))!;
        await using var conn = await sys.Db.OpenConnectionAsync();

        var written = await InsertAsync(conn, campaign, lease.LeaseId, "twice", "twice");
        var plain = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
            "insert into claims (campaign_id, user_id, coupon_code, lease_id, claimed_at) values (@campaign, 'twice', @code, @lease, now())",
            new { campaign, code = CouponCodes.New(), lease = lease.LeaseId }));

        Assert.Single(written);
        Assert.Equal(PostgresErrorCodes.UniqueViolation, plain.SqlState);
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("select count(*) from claims where campaign_id = @campaign", new { campaign }));
        await CloseAsync(lease.LeaseId);
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    [Fact]
    public async Task AClaimOnAClosedLease_OrOnAnotherCampaignsLease_IsNotWritten()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);
        var other = await sys.CreateCampaignAsync(stock: 10);
        var leases = new LeaseStore(sys.Db);
        var closed = (await leases.GrantAsync(campaign, Instance, want: 3))!;
        var foreign = (await leases.GrantAsync(other, Instance, want: 3))!;
        await using var conn = await sys.Db.OpenConnectionAsync();
        await CloseAsync(closed.LeaseId);

        Assert.Empty(await InsertAsync(conn, campaign, closed.LeaseId, "on-closed"));
        Assert.Empty(await InsertAsync(conn, campaign, foreign.LeaseId, "on-foreign"));

        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*) from claims where campaign_id in (@campaign, @other)", new { campaign, other }));
        await CloseAsync(foreign.LeaseId);
        await InventoryAssert.BalancesAsync(conn, campaign);
        await InventoryAssert.BalancesAsync(conn, other);
    }

    [Fact]
    public async Task RedisLosingTheCampaignsKeys_MidStorm_StillSellsExactlyTheStock()
    {
        const int stock = 20, shoppers = 60;
        var campaign = await sys.CreateCampaignAsync(stock);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        var tokens = Enumerable.Range(0, shoppers).Select(i => Mint.Token(campaign, $"lost-{i}", sys.Clock)).ToArray();
        using var client = sys.NewClient();

        var before = await Task.WhenAll(tokens[..(shoppers / 2)].Select(t => sys.ClaimAsync(campaign, t, client)));
        var server = sys.Redis.GetServers()[0];
        var keys = await server.KeysAsync(pattern: $"fs:{{{campaign}}}:*").ToArrayAsync();
        Assert.NotEmpty(keys);
        await sys.Redis.GetDatabase().KeyDeleteAsync(keys);
        var after = await Task.WhenAll(tokens[(shoppers / 2)..].Select(t => sys.ClaimAsync(campaign, t, client)));

        Assert.Equal(stock, before.Concat(after).Count(r => r.StatusCode == System.Net.HttpStatusCode.Created));
        await using var conn = await sys.Db.OpenConnectionAsync();
        Assert.Equal(stock, await conn.ExecuteScalarAsync<int>("select count(*) from claims where campaign_id = @campaign", new { campaign }));
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    /// <summary>ClaimApi's group commit itself, one row per user, all on one lease; answers the codes written.</summary>
    private async Task<HashSet<string>> InsertAsync(NpgsqlConnection conn, string campaign, long lease, params string[] users)
    {
        var stock = new CampaignStock(campaign, 10, new LeaseStore(sys.Db), Instance, new ClaimApiOptions(), _ => Task.CompletedTask);
        var slot = new LeaseSlot(lease, 0);
        return await ClaimWriter.InsertAsync(conn, [.. users.Select(u => new PendingClaim(campaign, u, CouponCodes.New(), DateTime.UtcNow, null, null, slot, stock))]);
    }

    /// <summary>Gives the lease's unused units back, as a stopping instance does, so the campaign balances again.</summary>
    private Task CloseAsync(long lease) => new LeaseStore(sys.Db).ReturnAsync(lease, 0, close: true);
}
