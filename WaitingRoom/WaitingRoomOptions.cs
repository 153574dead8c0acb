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

    /// <summary>
    /// Pre-queue members this edge remembers (about 34 bytes each), over all campaigns, so their polls before the start
    /// need no Redis; beyond it polls go to Redis as before. 0 turns the cache off.
    /// </summary>
    [Range(0, 100_000_000)]
    public long PrequeueCacheMembers { get; set; } = 2_000_000;

    /// <summary>
    /// Waiting shoppers whose places this edge remembers after the start (about 44 bytes each), over all campaigns, so
    /// most of their polls need no Redis (<see cref="Queue.LivePlaces"/>); beyond it polls go to Redis. 0 turns it off.
    /// </summary>
    [Range(0, 100_000_000)]
    public long LivePlacesMembers { get; set; } = 2_000_000;

    /// <summary>Lifetime of the sessions the Development-only session endpoint hands out.</summary>
    [Range(60, 86400)]
    public int DevSessionTtlSeconds { get; set; } = 3600;
}
