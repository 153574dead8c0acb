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
    string? Challenge);

public sealed record AdmissionUpdateRequest(int? RatePerSecond, bool? Paused, int? MaxActive);
