using Dapper;
using Npgsql;

namespace FlashSale.ClaimApi.Claims;

public sealed record MyCoupon(string CouponCode, string CampaignId, string CampaignName, string Status, DateTimeOffset ClaimedAt, DateTimeOffset? ExpiresAt);

public sealed class ClaimQueries(NpgsqlDataSource db)
{
    public async Task<ClaimResponse?> FindAsync(string campaignId, string userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var row = await conn.QuerySingleOrDefaultAsync<(string Code, DateTime ClaimedAt, DateTime? ExpiresAt)>(
            "select coupon_code, claimed_at, expires_at from claims where campaign_id = @campaignId and user_id = @userId",
            new { campaignId, userId });
        return row.Code is null ? null : new ClaimResponse(row.Code, campaignId, userId, Utc(row.ClaimedAt), row.ExpiresAt is { } e ? Utc(e) : null);
    }

    public async Task<IReadOnlyList<MyCoupon>> ForUserAsync(string userId, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(string Code, string CampaignId, string Name, string Status, DateTime ClaimedAt, DateTime? ExpiresAt)>(
            """
            select c.coupon_code, c.campaign_id, k.name, c.status, c.claimed_at, c.expires_at
            from claims c join campaigns k on k.id = c.campaign_id
            where c.user_id = @userId order by c.claimed_at desc
            """,
            new { userId });
        return rows.Select(r => new MyCoupon(r.Code, r.CampaignId, r.Name,
            r.Status == "claimed" && r.ExpiresAt is { } e && Utc(e) <= now ? "expired" : r.Status,
            Utc(r.ClaimedAt), r.ExpiresAt is { } x ? Utc(x) : null)).ToList();
    }

    internal static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
}
