using System.ComponentModel.DataAnnotations;

namespace FlashSale.WaitingRoom;

/// <summary>Section <c>WaitingRoom</c>.</summary>
public sealed class WaitingRoomOptions
{
    public const string Section = "WaitingRoom";

    /// <summary>How often this edge advances each live campaign's admission cursor.</summary>
    [Range(10, 5000)]
    public int TickMilliseconds { get; set; } = 100;

    /// <summary>How long a campaign read from Redis is trusted before it is read again.</summary>
    [Range(50, 60000)]
    public int CampaignCacheMilliseconds { get; set; } = 1000;

    /// <summary>Lifetime of the sessions the Development-only session endpoint hands out.</summary>
    [Range(60, 86400)]
    public int DevSessionTtlSeconds { get; set; } = 3600;
}
