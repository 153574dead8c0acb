using Dapper;
using FlashSale.ClaimApi.Claims;
using Npgsql;

namespace FlashSale.ClaimApi.Inventory;

public sealed record Grant(long LeaseId, int Units, int AvailableAfter);

/// <summary>The lease statements. Each is one short transaction; the table CHECKs make over-granting impossible.</summary>
public sealed class LeaseStore(NpgsqlDataSource db)
{
    public async Task<Grant?> GrantAsync(string campaignId, string instanceId, int want)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var taken = await conn.QuerySingleOrDefaultAsync<(int N, int Available)>(
            """
            update campaigns c set available = c.available - g.n
            from (select least(available, @want) as n from campaigns where id = @campaignId and cancelled_at is null for update) g
            where c.id = @campaignId and g.n > 0
            returning g.n, c.available
            """,
            new { campaignId, want },
            tx);
        if (taken.N == 0)
        {
            await tx.RollbackAsync();
            return null;
        }
        var leaseId = await conn.ExecuteScalarAsync<long>(
            """
            insert into leases (campaign_id, instance_id, granted, granted_at, heartbeat_at)
            values (@campaignId, @instanceId, @n, now(), now()) returning id
            """,
            new { campaignId, instanceId, n = taken.N },
            tx);
        await tx.CommitAsync();
        return new Grant(leaseId, taken.N, taken.Available);
    }

    /// <summary>Units parked in leases of any instance (not yet claimed); with an empty pool, zero means sold out.</summary>
    public async Task<int> OutstandingAsync(string campaignId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>(
            """
            select (select available from campaigns where id = @campaignId)
                 + coalesce((select sum(granted - used - returned) from leases where campaign_id = @campaignId and closed_at is null), 0)::int
            """,
            new { campaignId });
    }

    /// <summary>Everyone holding a unit of the campaign; read once at sell-out so later claims are answered from memory.</summary>
    public async Task<Dictionary<string, ClaimResponse>> HoldersAsync(string campaignId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(string UserId, string Code, DateTime ClaimedAt, DateTime? ExpiresAt, DateTime? HoldUntil)>(
            """
            select user_id, coupon_code, claimed_at, expires_at, hold_until from claims
            where campaign_id = @campaignId and status in ('claimed', 'redeemed')
            """,
            new { campaignId });
        return rows.ToDictionary(r => r.UserId, r => ClaimResponse.Create(r.Code, campaignId, r.UserId, r.ClaimedAt, r.ExpiresAt, r.HoldUntil));
    }

    /// <summary>
    /// Gives unused units back to the pool. Closing hands back whatever PostgreSQL still counts in the lease, not only
    /// what memory counted: a lease is closed only when nothing of it is in flight, so the two can only differ by a
    /// bug, and then the pool, not a dead lease, gets the difference.
    /// </summary>
    public async Task ReturnAsync(long leaseId, int units, bool close)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            with l as (
                select id, campaign_id, case when @close then granted - used - returned else @units end as n
                from leases where id = @leaseId and closed_at is null for update),
            r as (
                update leases x set returned = x.returned + l.n, closed_at = case when @close then now() else x.closed_at end
                from l where x.id = l.id
                returning l.campaign_id, l.n)
            update campaigns c set available = c.available + r.n from r where c.id = r.campaign_id
            """,
            new { leaseId, units, close });
    }

    /// <summary>
    /// Proves this instance's leases alive, locking them in id order as the claim writer does: in any other order the
    /// two deadlocked in the claim storm, and PostgreSQL's deadlock timeout stalled every claim in flight for seconds.
    /// Answers which of them are still open, and which of those were granted longer ago than
    /// <paramref name="settledAfter"/> (a grant that old has long reached memory, if it ever will).
    /// </summary>
    public async Task<(HashSet<long> Open, HashSet<long> Settled)> HeartbeatAsync(string instanceId, TimeSpan settledAfter)
    {
        await using var conn = await db.OpenConnectionAsync();
        var open = (await conn.QueryAsync<(long Id, bool Settled)>(
            """
            update leases set heartbeat_at = now()
            where id in (select id from leases where instance_id = @instanceId and closed_at is null order by id for no key update)
            returning id, granted_at < now() - make_interval(secs => @settledSeconds)
            """,
            new { instanceId, settledSeconds = settledAfter.TotalSeconds })).ToList();
        return (open.Select(l => l.Id).ToHashSet(), open.Where(l => l.Settled).Select(l => l.Id).ToHashSet());
    }

    /// <summary>
    /// Closes leases whose holder stopped beating and returns exactly granted − used − returned of each. A claim the
    /// dead holder still tries to write afterwards breaks the lease CHECK and fails, so nothing is counted twice.
    /// </summary>
    public async Task<int> ReclaimExpiredAsync(int expirySeconds)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int?>(
            """
            with dead as (
                select id, campaign_id, granted - used - returned as rest from leases
                where closed_at is null and heartbeat_at < now() - make_interval(secs => @expirySeconds)
                for update skip locked),
            closed as (
                update leases l set returned = l.returned + d.rest, closed_at = now()
                from dead d where l.id = d.id
                returning d.campaign_id, d.rest),
            back as (
                update campaigns c set available = c.available + s.rest
                from (select campaign_id, sum(rest)::int as rest from closed group by campaign_id) s
                where c.id = s.campaign_id
                returning s.rest)
            select sum(rest)::int from back
            """,
            new { expirySeconds }) ?? 0;
    }
}
