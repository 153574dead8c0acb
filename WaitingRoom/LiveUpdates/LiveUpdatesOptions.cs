using System.ComponentModel.DataAnnotations;

namespace FlashSale.WaitingRoom.LiveUpdates;

/// <summary>Section <c>LiveUpdates</c>: the Server-Sent Events stream of each campaign.</summary>
public sealed class LiveUpdatesOptions
{
    public const string Section = "LiveUpdates";

    /// <summary>How often each campaign with listeners on this edge is read from Redis; one read serves every listener.</summary>
    [Range(50, 5000)]
    public int TickMilliseconds { get; set; } = 500;

    /// <summary>Least time between two reads caused by <c>claimed</c> announcements, which come with every committed batch.</summary>
    [Range(0, 5000)]
    public int ClaimedRefreshMilliseconds { get; set; } = 250;

    /// <summary>Interval of the <c>: ping</c> comment that keeps proxies from closing an idle stream.</summary>
    [Range(1, 300)]
    public int HeartbeatSeconds { get; set; } = 15;

    /// <summary>How often a waiting listener's rank is read again, since a rank can improve when someone ahead leaves.</summary>
    [Range(1, 3600)]
    public int RankRefreshSeconds { get; set; } = 30;

    /// <summary>At the start every listener learns its rank; spreading those reads keeps them from landing on Redis in one instant.</summary>
    [Range(0, 60000)]
    public int RankSpreadMilliseconds { get; set; } = 1000;

    /// <summary>Base reconnection delay sent as <c>retry:</c>; each stream gets up to twice this, so a dropped edge is not hit by every client at once.</summary>
    [Range(100, 60000)]
    public int RetryMilliseconds { get; set; } = 3000;
}
