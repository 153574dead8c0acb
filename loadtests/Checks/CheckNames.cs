namespace FlashSale.LoadTests.Checks;

/// <summary>The checks of issue 5, named the same in every summary so CI and people can grep for them.</summary>
public static class CheckNames
{
    public const string ClaimedWithinStock = "Claimed <= stock";
    public const string StockBalances = "claimed + available + in open leases = stock";
    public const string OneClaimPerUser = "No user with two claims";
    public const string EverySeenCouponStored = "Every 201 the clients saw is in PostgreSQL";
    public const string RedeemedAtMostOnce = "Every coupon redeemed at most once";
    public const string PreQueueRandom = "Pre-queue admission order is random (Spearman vs join order)";
    public const string PostStartFifo = "Post-start admission order is exact FIFO";
}
