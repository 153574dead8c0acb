using System.Text.Json;
using System.Text.Json.Serialization;

namespace FlashSale.LoadTests.Http;

/// <summary>The parts of API.md the generator sends and reads, nothing more.</summary>
public sealed record CouponSpec(string Kind, decimal Value);

public sealed record AdmissionSpec(int RatePerSecond, int TokenTtlSeconds, int PositionExpirySeconds = 3600);

public sealed record CreateCampaign(string Name, DateTimeOffset StartsAt, int DurationSeconds, int Stock, CouponSpec Coupon, AdmissionSpec Admission);

public sealed record CampaignCreated(string Id);

/// <summary>Live admission tuning: PUT /api/admin/campaigns/{id}/admission.</summary>
public sealed record AdmissionUpdate(int RatePerSecond, bool Paused);

public sealed record QueueReply(string? Status, long? Rank, long? Ahead, double? EtaSeconds, string? AdmissionToken);

public sealed record ClaimReply(string? CouponCode, string? CampaignId, string? UserId);

public sealed record RedeemRequest(string OrderId, decimal OrderAmount);

public sealed record CampaignMetrics(int Stock, int Claimed, int Available, int Leased, int Redeemed, int Released, long QueueLength, long Served, double ClaimsPerSecond);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateCampaign))]
[JsonSerializable(typeof(CampaignCreated))]
[JsonSerializable(typeof(AdmissionUpdate))]
[JsonSerializable(typeof(QueueReply))]
[JsonSerializable(typeof(ClaimReply))]
[JsonSerializable(typeof(RedeemRequest))]
[JsonSerializable(typeof(CampaignMetrics))]
internal sealed partial class LoadJson : JsonSerializerContext;
