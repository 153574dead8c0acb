using System.ComponentModel.DataAnnotations;

namespace FlashSale.ClaimApi;

/// <summary>Section <c>ClaimApi</c>.</summary>
public sealed class ClaimApiOptions
{
    public const string Section = "ClaimApi";

    /// <summary>Names this process's leases; unique per process so a dead one's leases can be told apart.</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Checkout's key, sent as X-Api-Key on the coupon endpoints.</summary>
    [Required, MinLength(8)]
    public string CheckoutApiKey { get; set; } = "";

    /// <summary>Largest lease one grant hands out; grants shrink towards 1 as the pool empties.</summary>
    [Range(1, 100_000)]
    public int MaxLeaseSize { get; set; } = 500;

    /// <summary>Leases aim at this fraction of what is left, so several instances share the tail fairly.</summary>
    [Range(2, 1000)]
    public int LeaseDivisor { get; set; } = 16;

    /// <summary>Most claims one group commit inserts.</summary>
    [Range(1, 10_000)]
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>
    /// Group commits in flight at once, each on a connection of its own. Batches of one lease take turns on its row lock
    /// until COMMIT, so more writers overlap only the round trips, and each makes the batches smaller. One by default:
    /// in the claim storm through the edge four writers committed batches of 33–37 claims in 12–16 ms and PostgreSQL
    /// spent 35–42 µs per answer; one writer, batches of 67–70 in 7 ms and 22–25 µs (README, "Group commit").
    /// </summary>
    [Range(1, 32)]
    public int Writers { get; set; } = 1;

    /// <summary>Claims waiting for a writer before new ones are turned away with 503.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>A claim that has not committed by then is answered 503 rather than left hanging.</summary>
    [Range(100, 60_000)]
    public int CommitTimeoutMilliseconds { get; set; } = 3000;

    /// <summary>How often this instance proves its leases alive and sweeps dead ones.</summary>
    [Range(100, 60_000)]
    public int HeartbeatMilliseconds { get; set; } = 1000;

    /// <summary>A lease whose heartbeat is older than this belongs to a dead instance and is reclaimed.</summary>
    [Range(1, 3600)]
    public int LeaseExpirySeconds { get; set; } = 5;

    /// <summary>How often a campaign whose pool ran dry is checked for sold out; the edges hear it within this.</summary>
    [Range(20, 10_000)]
    public int SoldOutCheckMilliseconds { get; set; } = 200;

    /// <summary>Maps POST /api/bench/noop, the do-nothing baseline the claim benchmark compares against.</summary>
    public bool BenchEndpoints { get; set; }

    /// <summary>Units sitting unused this long go back to the pool, where other instances can take them.</summary>
    [Range(100, 60_000)]
    public int IdleReturnMilliseconds { get; set; } = 1000;
}
