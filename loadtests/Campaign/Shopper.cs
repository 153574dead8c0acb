namespace FlashSale.LoadTests.Campaign;

/// <summary>What a shopper does next when the scheduler hands it to a worker.</summary>
public enum ShopperStep : byte
{
    Join,
    Poll,
    Claim,
    Redeem,
    DoubleRedeem,
    Bot,
    Done,
}

[Flags]
public enum ShopperFlags : byte
{
    None = 0,
    Bot = 1,
    Redeemer = 2,
    DoubleRedeemer = 4,
    Admitted = 8,
    Won = 16,
    PreQueue = 32,
    InQueue = 64,
}

/// <summary>How a shopper's visit ended.</summary>
public enum ShopperEnd : byte
{
    None,
    Won,
    SoldOut,
    Ended,
    Error,
    Bot,
    Unfinished,
}

/// <summary>
/// One simulated person: 16 bytes in one big array, so 2M of them are 32 MB. Only one worker touches a shopper at
/// a time (a shopper is either waiting in the scheduler or being run), so the fields need no locking.
/// </summary>
public struct Shopper
{
    /// <summary>Client-side event number of the first join request (0 = never sent); orders joins for the FIFO check.</summary>
    public int JoinSent;

    /// <summary>Event number of the first 202 to a join (0 = none).</summary>
    public int JoinAnswered;

    /// <summary>1-based queue rank read back from Redis after the run (0 = not in the queue).</summary>
    public int Rank;

    public ShopperStep Step;
    public ShopperFlags Flags;
    public byte Attempts;
    public ShopperEnd End;
}
