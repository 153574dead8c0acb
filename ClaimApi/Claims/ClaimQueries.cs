using Dapper;
using Npgsql;

namespace FlashSale.ClaimApi.Claims;

public sealed record MyCoupon(string CouponCode, string CampaignId, string CampaignName, string Status, DateTimeOffset ClaimedAt, DateTimeOffset? ExpiresAt);

public sealed class ClaimQueries(NpgsqlDataSource db)
{
    public async Task<ClaimResponse?> FindAsync(string campaignId, string userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var row = await conn.QuerySingleOrDefaultAsync<(string Code, DateTime ClaimedAt, DateTime? ExpiresAt, DateTime? HoldUntil)>(
            """
            select coupon_code, claimed_at, expires_at, hold_until from claims
            where campaign_id = @campaignId and user_id = @userId and status in ('claimed', 'redeemed')
            """,
            new { campaignId, userId });
        return row.Code is null ? null : ClaimResponse.Create(row.Code, campaignId, userId, row.ClaimedAt, row.ExpiresAt, row.HoldUntil);
    }

    public async Task<IReadOnlyList<MyCoupon>> ForUserAsync(string userId, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(string Code, string CampaignId, string Name, string Status, DateTime ClaimedAt, DateTime? ExpiresAt, DateTime? HoldUntil)>(
            """
            select c.coupon_code, c.campaign_id, k.name, c.status, c.claimed_at, c.expires_at, c.hold_until
            from claims c join campaigns k on k.id = c.campaign_id
            where c.user_id = @userId order by c.claimed_at desc
            """,
            new { userId });
        return rows.Select(r =>
        {
            var claim = ClaimResponse.Create(r.Code, r.CampaignId, userId, r.ClaimedAt, r.ExpiresAt, r.HoldUntil);
            var status = r.Status == "claimed" && claim.ExpiresAt <= now ? "expired" : r.Status;
            return new MyCoupon(r.Code, r.CampaignId, r.Name, status, claim.ClaimedAt, claim.ExpiresAt);
        }).ToList();
    }
}
