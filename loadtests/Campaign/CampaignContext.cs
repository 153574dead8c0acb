using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Campaign;

/// <summary>What every worker shares during one campaign run.</summary>
public sealed class CampaignContext
{
    public required CampaignOptions Options { get; init; }
    public required string CampaignId { get; init; }
    public required string CheckoutKey { get; init; }
    public required ShopperBook Book { get; init; }
    public required ShopperScheduler Scheduler { get; init; }
    public required LoadHttp Http { get; init; }
    public required SessionMinter Minter { get; init; }
    public required RunMetrics Metrics { get; init; }

    /// <summary>The start, in the scheduler's milliseconds.</summary>
    public int StartMs => Options.StartsInSeconds * 1000;

    public string QueuePath => $"/api/campaigns/{CampaignId}/queue";

    public string ClaimsPath => $"/api/campaigns/{CampaignId}/claims";

    public string EventsPath => $"/api/campaigns/{CampaignId}/events";

    /// <summary>A random delay in milliseconds between the bounds, for jitter.</summary>
    public static int Jitter(double fromSeconds, double toSeconds) => (int)(1000 * (fromSeconds + Random.Shared.NextDouble() * (toSeconds - fromSeconds)));
}

/// <summary>Step names as the report shows them.</summary>
public static class CampaignSteps
{
    public const string Join = "join";
    public const string Poll = "poll";
    public const string Claim = "claim";
    public const string Redeem = "redeem";
    public const string RedeemAgain = "redeem again, other order";
    public const string SseConnect = "sse: connect";
    public const string SseWait = "sse: wait for turn";
}
