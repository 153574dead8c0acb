namespace FlashSale.Shared.Campaigns;

public sealed record CouponSettings(
    string Kind,
    decimal Value,
    decimal? MinOrderAmount = null,
    decimal? MaxDiscount = null,
    int? ValidForSeconds = null,
    int? HoldSeconds = null);

public sealed record AdmissionSettings(
    int RatePerSecond,
    int? MaxActive = null,
    int TokenTtlSeconds = 120,
    bool Paused = false,
    int PositionExpirySeconds = AdmissionSettings.DefaultPositionExpirySeconds)
{
    /// <summary>Longer than the live stream's jittered rank refresh (up to 38 s), which is what keeps a listener's place.</summary>
    public const int DefaultPositionExpirySeconds = 120;
}

/// <summary>A campaign as every service sees it. PostgreSQL holds it; Admin publishes a copy to Redis for the edge.</summary>
public sealed record Campaign(
    string Id,
    string Name,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    int Stock,
    int PerUserLimit,
    CouponSettings Coupon,
    AdmissionSettings Admission,
    DateTimeOffset? CancelledAt,
    DateTimeOffset CreatedAt)
{
    /// <summary>The phase by the clock alone; sold out needs the inventory and is decided by the caller.</summary>
    public CampaignState StateAt(DateTimeOffset now) =>
        CancelledAt is not null ? CampaignState.Cancelled
        : now < StartsAt ? CampaignState.Scheduled
        : now >= EndsAt ? CampaignState.Ended
        : CampaignState.Live;

    public CampaignState StateAt(DateTimeOffset now, int remaining)
    {
        var state = StateAt(now);
        return state == CampaignState.Live && remaining <= 0 ? CampaignState.SoldOut : state;
    }
}

public enum CampaignState
{
    Scheduled,
    Live,
    SoldOut,
    Ended,
    Cancelled,
}

public static class CampaignStateNames
{
    public static string ToWire(this CampaignState state) => state switch
    {
        CampaignState.Scheduled => "scheduled",
        CampaignState.Live => "live",
        CampaignState.SoldOut => "soldout",
        CampaignState.Ended => "ended",
        _ => "cancelled",
    };
}
