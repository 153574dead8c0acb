using FlashSale.Shared.Campaigns;

namespace FlashSale.Admin.Campaigns;

public sealed record CouponRequest(
    string? Kind,
    decimal? Value,
    decimal? MinOrderAmount,
    decimal? MaxDiscount,
    int? ValidForSeconds,
    int? HoldSeconds);

public sealed record AdmissionRequest(int? RatePerSecond, int? MaxActive, int? TokenTtlSeconds, int? PositionExpirySeconds);

public sealed record CreateCampaignRequest(
    string? Name,
    DateTimeOffset? StartsAt,
    int? DurationSeconds,
    int? Stock,
    int? PerUserLimit,
    CouponRequest? Coupon,
    AdmissionRequest? Admission,
    bool? RequireRegistration,
    string? Challenge)
{
    /// <summary>A campaign's settings in the shape they were made in: what a PATCH merges into, and what its audit compares.</summary>
    public static CreateCampaignRequest From(Campaign c) => new(
        c.Name,
        c.StartsAt,
        (int)(c.EndsAt - c.StartsAt).TotalSeconds,
        c.Stock,
        c.PerUserLimit,
        new CouponRequest(c.Coupon.Kind, c.Coupon.Value, c.Coupon.MinOrderAmount, c.Coupon.MaxDiscount, c.Coupon.ValidForSeconds, c.Coupon.HoldSeconds),
        new AdmissionRequest(c.Admission.RatePerSecond, c.Admission.MaxActive, c.Admission.TokenTtlSeconds, c.Admission.PositionExpirySeconds),
        null,
        null);
}

public sealed record AdmissionUpdateRequest(int? RatePerSecond, bool? Paused, int? MaxActive);
