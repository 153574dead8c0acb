namespace FlashSale.Shared.Redis;

/// <summary>What services announce on <see cref="RedisKeys.EventsChannel"/>: "kind:campaignId".</summary>
public static class CampaignEvents
{
    public const string Changed = "changed";
    public const string SoldOut = "soldout";
    public const string Claimed = "claimed";

    /// <summary>A ClaimApi instance ran dry while others may hold units: holders give their free units back.</summary>
    public const string Starved = "starved";

    public static string Format(string kind, string campaignId) => kind + ":" + campaignId;

    public static bool TryParse(string? message, out string kind, out string campaignId)
    {
        var i = message?.IndexOf(':') ?? -1;
        kind = i > 0 ? message![..i] : "";
        campaignId = i > 0 ? message![(i + 1)..] : "";
        return i > 0;
    }
}
