using FlashSale.Shared.Campaigns;
using FlashSale.WaitingRoom.Campaigns;

namespace FlashSale.WaitingRoom.LiveUpdates;

/// <summary>What one read of Redis said about a campaign.</summary>
internal readonly record struct CampaignReading(Campaign Campaign, double Served, double Rate, bool Paused, bool Closed, long Claimed, long QueueLength);

/// <summary>
/// One campaign's public state at one read, immutable and shared by every listener of this edge. A part that did not
/// change keeps the previous snapshot's frame object, so a listener tells what to send by comparing references.
/// </summary>
public sealed class CampaignSnapshot
{
    private CampaignSnapshot(Campaign campaign, CampaignState state, long version, long served, double rate, bool paused, long queueLength, int remaining)
    {
        Campaign = campaign;
        State = state;
        Version = version;
        Served = served;
        Rate = rate;
        Paused = paused;
        QueueLength = queueLength;
        Remaining = remaining;
    }

    public Campaign Campaign { get; }
    public CampaignState State { get; }

    /// <summary>The event id of the change that made this snapshot: time-like and increasing, so ids from any edge sort sensibly.</summary>
    public long Version { get; }

    /// <summary>Whole shoppers admitted: a rank (1-based) at or below it has its turn.</summary>
    public long Served { get; }

    public double Rate { get; }
    public bool Paused { get; }
    public long QueueLength { get; }
    public int Remaining { get; }

    internal byte[] StateFrame { get; private init; } = [];
    internal byte[] CursorFrame { get; private init; } = [];
    internal byte[] InventoryFrame { get; private init; } = [];

    /// <summary>Set once the campaign is sold out.</summary>
    internal byte[]? SoldOutFrame { get; private init; }

    /// <summary>The state event stamped with the time it is sent: a new stream's countdown must not start from a stale clock.</summary>
    internal byte[] StateFrameAt(DateTimeOffset now) => SseFrames.State(StateOf(Campaign, State, now), Version);

    /// <summary>This snapshot's successor, or the same object when nothing a client sees has changed.</summary>
    internal static CampaignSnapshot Next(CampaignSnapshot? previous, CampaignReading r, DateTimeOffset now, long version)
    {
        var c = r.Campaign;
        var remaining = (int)Math.Clamp(c.Stock - r.Claimed, 0, c.Stock);
        var state = c.StateAt(now, r.Closed ? 0 : remaining);
        var served = (long)Math.Floor(r.Served);
        var candidate = new CampaignSnapshot(c, state, version, served, r.Rate, r.Paused, r.QueueLength, remaining);
        if (previous is null)
        {
            return candidate.WithFrames(null, now);
        }
        var same = previous.State == state && ReferenceEquals(previous.Campaign, c) && previous.SameCursor(candidate)
            && Inventory.Bucket(previous.Remaining) == Inventory.Bucket(remaining);
        return same ? previous : candidate.WithFrames(previous, now);
    }

    private bool SameCursor(CampaignSnapshot other) =>
        Served == other.Served && Rate.Equals(other.Rate) && Paused == other.Paused && QueueLength == other.QueueLength;

    private CampaignSnapshot WithFrames(CampaignSnapshot? previous, DateTimeOffset now)
    {
        var stateSame = previous is not null && previous.State == State && previous.Campaign.Name == Campaign.Name
            && previous.Campaign.StartsAt == Campaign.StartsAt && previous.Campaign.EndsAt == Campaign.EndsAt && previous.Campaign.Stock == Campaign.Stock;
        var bucket = Inventory.Bucket(Remaining);
        var inventorySame = previous is not null && Inventory.Bucket(previous.Remaining) == bucket && previous.Campaign.Stock == Campaign.Stock;
        return new CampaignSnapshot(Campaign, State, Version, Served, Rate, Paused, QueueLength, Remaining)
        {
            StateFrame = stateSame ? previous!.StateFrame : StateFrameAt(now),
            CursorFrame = previous is not null && previous.SameCursor(this)
                ? previous.CursorFrame
                : SseFrames.Cursor(new CursorEvent(Served, Rate, Paused, QueueLength), Version),
            InventoryFrame = inventorySame ? previous!.InventoryFrame : SseFrames.Inventory(new InventoryEvent(bucket, bucket < 100, Campaign.Stock), Version),
            SoldOutFrame = State != CampaignState.SoldOut ? null
                : previous?.SoldOutFrame ?? SseFrames.SoldOut(new SoldOutEvent(Campaign.Id), Version),
        };
    }

    private static StateEvent StateOf(Campaign c, CampaignState state, DateTimeOffset now) =>
        new(c.Id, c.Name, state.ToWire(), c.StartsAt, c.EndsAt, now, c.Stock);
}
