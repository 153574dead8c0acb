namespace FlashSale.WaitingRoom.LiveUpdates;

internal static partial class LiveUpdatesLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Reading campaign {CampaignId} for its listeners failed; the next tick tries again")]
    public static partial void ReadFailed(ILogger logger, string campaignId, Exception error);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Checking the place of a listener of campaign {CampaignId} failed; it is tried again at the next refresh")]
    public static partial void AdmissionCheckFailed(ILogger logger, string campaignId, Exception error);
}
