using Dapper;
using Npgsql;

namespace FlashSale.ClaimApi.Coupons;

/// <summary>A coupon with the campaign rules checkout needs to price it.</summary>
public sealed class CouponRow
{
    public string CouponCode { get; init; } = "";
    public string CampaignId { get; init; } = "";
    public string UserId { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTime? ExpiresAt { get; init; }
    public DateTime? HoldUntil { get; init; }
    public string? OrderId { get; init; }
    public decimal? DiscountAmount { get; init; }
    public DateTime? RedeemedAt { get; init; }
    public string CouponKind { get; init; } = "";
    public decimal CouponValue { get; init; }
    public decimal? MinOrderAmount { get; init; }
    public decimal? MaxDiscount { get; init; }

    /// <summary>The earlier of the redemption deadline and the cart hold.</summary>
    public DateTimeOffset? Deadline => Claims.ClaimResponse.Create(CouponCode, CampaignId, UserId, default, ExpiresAt, HoldUntil).ExpiresAt;

    public bool IsExpiredAt(DateTimeOffset now) => Deadline <= now;
}

public sealed class CouponStore(NpgsqlDataSource db)
{
    private const string Select = """
        select c.coupon_code, c.campaign_id, c.user_id, c.status, c.expires_at, c.hold_until, c.order_id, c.discount_amount, c.redeemed_at,
               k.coupon_kind, k.coupon_value, k.min_order_amount, k.max_discount
        from claims c join campaigns k on k.id = c.campaign_id
        """;

    public async Task<CouponRow?> GetAsync(string code)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<CouponRow>(Select + " where c.coupon_code = @code", new { code });
    }

    /// <summary>Single use: the status guard in the WHERE makes two concurrent redemptions yield exactly one winner.</summary>
    public async Task<bool> RedeemAsync(string code, string orderId, decimal discount, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteAsync(
            """
            update claims set status = 'redeemed', order_id = @orderId, discount_amount = @discount, redeemed_at = @now
            where coupon_code = @code and status = 'claimed' and (expires_at is null or expires_at > @now)
              and (hold_until is null or hold_until > @now)
            """,
            new { code, orderId, discount, now = now.UtcDateTime }) == 1;
    }

    /// <summary>
    /// The owner gives an unredeemed coupon back: the claim is released and its unit returns to the pool in the same
    /// statement, so claimed + available + leased stays equal to stock at every instant.
    /// </summary>
    public async Task<bool> ReleaseAsync(string code, string userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>(
            """
            with r as (
                update claims set status = 'released' where coupon_code = @code and user_id = @userId and status = 'claimed'
                returning campaign_id),
            back as (
                update campaigns c set available = c.available + 1 from r where c.id = r.campaign_id returning c.id)
            select count(*)::int from back
            """,
            new { code, userId }) == 1;
    }

    public async Task<bool> VoidAsync(string code, string orderId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteAsync(
            """
            update claims set status = 'claimed', order_id = null, discount_amount = null, redeemed_at = null
            where coupon_code = @code and status = 'redeemed' and order_id = @orderId
            """,
            new { code, orderId }) == 1;
    }
}
