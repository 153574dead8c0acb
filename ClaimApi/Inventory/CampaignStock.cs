using System.Diagnostics;
using FlashSale.ClaimApi.Claims;

namespace FlashSale.ClaimApi.Inventory;

/// <summary>One lease as this instance holds it: units still free and units taken by claims not yet committed.</summary>
public sealed class LeaseSlot(long id, long grantedAt)
{
    public long Id { get; } = id;
    public long GrantedAt { get; } = grantedAt;
    public int Remaining { get; set; }
    public int InFlight { get; set; }

    /// <summary>PostgreSQL closed it; units that come back to it are gone with it.</summary>
    public bool Closed { get; set; }
}

public enum TakeStatus
{
    Taken,
    SoldOut,
    Unavailable,
}

public readonly record struct Take(TakeStatus Status, LeaseSlot? Slot);

/// <summary>
/// This instance's units of one campaign. Takes are a decrement under a lock that no other process shares;
/// PostgreSQL is asked only for a new lease, ahead of need, in sizes that shrink as the pool empties.
/// Its timings are back-offs and idle detection measured in real time (Stopwatch), not campaign time, so a test
/// that moves the campaign clock does not also freeze or fast-forward them.
/// </summary>
public sealed class CampaignStock(
    string campaignId, int stock, LeaseStore store, string instanceId, ClaimApiOptions options, Func<string, Task> starved)
{
    private static readonly TimeSpan SoldOutRecheck = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromMilliseconds(250);

    // How long shoppers here wait for units parked in other instances before they are told to retry.
    private static readonly TimeSpan StarvationLimit = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan StarvationPoll = TimeSpan.FromMilliseconds(20);

    private readonly object gate = new();
    private readonly List<LeaseSlot> slots = [];
    private Task? refill;
    private int free;
    private int lastAvailable = stock;
    private long quietUntil;
    private bool soldOut;
    private long lastTakeAt;
    private int waiters;
    private long starvingSince;
    private long starvedSignalAt;
    private Dictionary<string, ClaimResponse>? holders;

    public string CampaignId { get; } = campaignId;

    /// <summary>The pool was empty at the last grant; once nothing is outstanding anywhere the campaign is sold out.</summary>
    public bool PoolEmpty { get { lock (gate) { return soldOut; } } }

    public int Free { get { lock (gate) { return free; } } }

    /// <summary>
    /// While sold out: the coupon a shopper already holds, from the holder list read at sell-out. Nothing is in flight
    /// then (outstanding was zero), so the list is complete, and a storm of late claims never reaches a store.
    /// </summary>
    public ClaimResponse? HolderOf(string userId)
    {
        lock (gate)
        {
            return holders?.GetValueOrDefault(userId);
        }
    }

    /// <summary>
    /// A unit, or sold out, or unavailable (PostgreSQL failing). Waits on the one refill in flight rather than
    /// asking PostgreSQL once per shopper; every refill either grants a unit, proves the pool empty, or fails, so the loop ends.
    /// </summary>
    public async ValueTask<Take> TakeAsync()
    {
        var waiting = false;
        try
        {
            while (true)
            {
                Task pending;
                lock (gate)
                {
                    var now = Stopwatch.GetTimestamp();
                    foreach (var slot in slots)
                    {
                        if (slot.Remaining > 0)
                        {
                            slot.Remaining--;
                            slot.InFlight++;
                            free--;
                            lastTakeAt = now;
                            if (free <= WantLocked() / 2)
                            {
                                StartRefillLocked();
                            }
                            return new Take(TakeStatus.Taken, slot);
                        }
                    }
                    if (now < quietUntil)
                    {
                        return new Take(soldOut ? TakeStatus.SoldOut : TakeStatus.Unavailable, null);
                    }
                    if (!waiting)
                    {
                        waiting = true;
                        waiters++;
                    }
                    pending = StartRefillLocked();
                }
                await pending;
            }
        }
        finally
        {
            if (waiting)
            {
                lock (gate)
                {
                    waiters--;
                }
            }
        }
    }

    /// <summary>A taken unit comes back: committed (the claim row holds it now) or not (a duplicate, a failure).</summary>
    public void Settle(LeaseSlot slot, bool committed)
    {
        lock (gate)
        {
            slot.InFlight--;
            if (!committed && !slot.Closed)
            {
                slot.Remaining++;
                free++;
                if (!slots.Contains(slot))
                {
                    slots.Add(slot);
                }
            }
        }
    }

    /// <summary>Takes the free units out of idle leases (all leases when stopping) so they can be returned to the pool.</summary>
    public List<(LeaseSlot Slot, int Units, bool Close)> Surrender(bool all)
    {
        var result = new List<(LeaseSlot, int, bool)>();
        lock (gate)
        {
            var idle = Stopwatch.GetElapsedTime(lastTakeAt) >= TimeSpan.FromMilliseconds(options.IdleReturnMilliseconds);
            for (var i = slots.Count - 1; i >= 0; i--)
            {
                var slot = slots[i];
                if (slot.Remaining == 0 && slot.InFlight == 0)
                {
                    result.Add((slot, 0, true));
                    slots.RemoveAt(i);
                }
                else if ((all || idle) && slot.Remaining > 0)
                {
                    result.Add((slot, slot.Remaining, slot.InFlight == 0));
                    free -= slot.Remaining;
                    slot.Remaining = 0;
                    if (slot.InFlight == 0)
                    {
                        slots.RemoveAt(i);
                    }
                }
            }
        }
        return result;
    }

    /// <summary>Undoes a surrender whose write to PostgreSQL failed, so the units are not stranded in memory.</summary>
    public void Restore(LeaseSlot slot, int units)
    {
        lock (gate)
        {
            slot.Remaining += units;
            free += units;
            if (!slots.Contains(slot))
            {
                slots.Add(slot);
            }
        }
    }

    /// <summary>Whether this instance hands out units of that lease (or has claims of it in flight).</summary>
    public bool Holds(long leaseId)
    {
        lock (gate)
        {
            return slots.Exists(s => s.Id == leaseId);
        }
    }

    /// <summary>Drops leases the reconciler closed (this instance looked dead to it); their units are already back in the pool.</summary>
    public void KeepOnly(HashSet<long> open, long checkedSince)
    {
        lock (gate)
        {
            for (var i = slots.Count - 1; i >= 0; i--)
            {
                var slot = slots[i];
                if (slot.GrantedAt < checkedSince && !open.Contains(slot.Id))
                {
                    free -= slot.Remaining;
                    slot.Remaining = 0;
                    slot.Closed = true;
                    slots.RemoveAt(i);
                }
            }
        }
    }

    // A share of what is left, so the tail spreads over instances and little is parked at sell-out; never less than
    // the shoppers already waiting here, who would otherwise each cost a round trip.
    // A holder list stays true while the campaign stays sold out: any unit coming back would have made the grant succeed.
    private Dictionary<string, ClaimResponse>? HoldersIfKnown()
    {
        lock (gate)
        {
            return soldOut ? holders : null;
        }
    }

    private static long Later(TimeSpan delay) => Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);

    private int WantLocked() =>
        Math.Clamp(Math.Max((int)Math.Ceiling(lastAvailable / (double)options.LeaseDivisor), waiters), 1, options.MaxLeaseSize);

    private Task StartRefillLocked() => refill ??= RefillAsync(WantLocked());

    private async Task RefillAsync(int want)
    {
        await Task.Yield();
        try
        {
            Grant? grant;
            try
            {
                grant = await store.GrantAsync(CampaignId, instanceId, want);
            }
            catch (Npgsql.NpgsqlException)
            {
                // One broken pooled connection (a database restart leaves a few) must not black out this instance:
                // the pool drops it, and a second try gets a fresh one. A real outage fails again and backs off below.
                grant = await store.GrantAsync(CampaignId, instanceId, want);
            }
            if (grant is not null)
            {
                lock (gate)
                {
                    soldOut = false;
                    holders = null;
                    starvingSince = 0;
                    lastAvailable = grant.AvailableAfter;
                    slots.Add(new LeaseSlot(grant.LeaseId, Stopwatch.GetTimestamp()) { Remaining = grant.Units });
                    free += grant.Units;
                }
                return;
            }
            // The pool is empty. Sold out only if nothing is outstanding anywhere either: units parked in another
            // instance's lease, or in claims still being written, may yet come back, and a 410 must be the truth.
            var outstanding = await store.OutstandingAsync(CampaignId);
            if (outstanding == 0)
            {
                var known = HoldersIfKnown() ?? await store.HoldersAsync(CampaignId);
                lock (gate)
                {
                    holders = known;
                    soldOut = true;
                    starvingSince = 0;
                    lastAvailable = 0;
                    quietUntil = Later(SoldOutRecheck);
                }
                return;
            }
            bool giveUp;
            bool signal;
            lock (gate)
            {
                var now = Stopwatch.GetTimestamp();
                starvingSince = starvingSince == 0 ? now : starvingSince;
                giveUp = Stopwatch.GetElapsedTime(starvingSince, now) > StarvationLimit;
                signal = Stopwatch.GetElapsedTime(starvedSignalAt, now) > TimeSpan.FromMilliseconds(100);
                if (signal)
                {
                    starvedSignalAt = now;
                }
                if (giveUp)
                {
                    soldOut = false;
                    starvingSince = 0;
                    quietUntil = Later(SoldOutRecheck);
                }
            }
            if (signal)
            {
                await starved(CampaignId);
            }
            if (!giveUp)
            {
                await Task.Delay(StarvationPoll);
            }
        }
        catch (Exception)
        {
            lock (gate)
            {
                // PostgreSQL is down or slow: answer 503 at once for a moment instead of queueing shoppers behind it.
                soldOut = false;
                quietUntil = Later(FailureBackoff);
            }
        }
        finally
        {
            lock (gate)
            {
                refill = null;
            }
        }
    }
}
