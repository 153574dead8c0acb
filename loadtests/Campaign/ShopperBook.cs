using System.Collections.Concurrent;
using System.Globalization;
using FlashSale.LoadTests.Checks;
using FlashSale.Shared.Redis;

namespace FlashSale.LoadTests.Campaign;

/// <summary>
/// All shoppers of a run and what they saw that the checks need: the coupons answered with 201/200 and the
/// redemptions answered 200. Per shopper only the 16-byte struct; the rest grows with the stock, not the crowd.
/// </summary>
public sealed class ShopperBook
{
    private readonly long[] endCounts = new long[Enum.GetValues<ShopperEnd>().Length];
    private int events;
    private int done;
    private long admitted;
    private Dictionary<string, int>? members;

    public ShopperBook(int count, string tag)
    {
        Shoppers = new Shopper[count];
        Tag = tag;
    }

    public Shopper[] Shoppers { get; }

    /// <summary>Prefix of every user id of the run, so runs never share a user and queue members map back to shoppers.</summary>
    public string Tag { get; }

    public int Count => Shoppers.Length;

    /// <summary>Coupon codes by shopper, for the redeem step.</summary>
    public ConcurrentDictionary<int, string> Codes { get; } = new();

    public ConcurrentQueue<SeenCoupon> Coupons { get; } = new();

    /// <summary>Admission tokens that arrived on a live-update stream, held until the shopper's claim runs.</summary>
    public ConcurrentDictionary<int, string> PendingTokens { get; } = new();

    public ConcurrentQueue<SeenRedemption> Redemptions { get; } = new();

    public int Done => Volatile.Read(ref done);

    public long Admitted => Interlocked.Read(ref admitted);

    public long Ended(ShopperEnd end) => Interlocked.Read(ref endCounts[(int)end]);

    public string UserId(int shopper) => Tag + "-" + shopper.ToString(CultureInfo.InvariantCulture);

    /// <summary>The shopper a queue member stands for (queue members are hashes of user ids; the map is built on first use).</summary>
    public bool TryFindMember(string member, out int shopper)
    {
        members ??= Enumerable.Range(0, Shoppers.Length).ToDictionary(i => QueueMember.Of(UserId(i)), StringComparer.Ordinal);
        return members.TryGetValue(member, out shopper);
    }

    /// <summary>A client-side event number: everything one worker saw before another sent is numbered lower.</summary>
    public int NextEvent() => Interlocked.Increment(ref events);

    public void MarkAdmitted(int shopper)
    {
        if ((Shoppers[shopper].Flags & ShopperFlags.Admitted) == 0)
        {
            Shoppers[shopper].Flags |= ShopperFlags.Admitted;
            Interlocked.Increment(ref admitted);
        }
    }

    public void Finish(int shopper, ShopperEnd end)
    {
        ref var s = ref Shoppers[shopper];
        if (s.Step == ShopperStep.Done)
        {
            return;
        }
        s.Step = ShopperStep.Done;
        s.End = end;
        Interlocked.Increment(ref endCounts[(int)end]);
        Interlocked.Increment(ref done);
    }

    public void RecordCoupon(int shopper, string code, int status)
    {
        Codes[shopper] = code;
        Coupons.Enqueue(new SeenCoupon(UserId(shopper), code, status));
        Shoppers[shopper].Flags |= ShopperFlags.Won;
    }
}
