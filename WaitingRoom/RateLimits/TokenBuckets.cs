using System.Collections.Concurrent;

namespace FlashSale.WaitingRoom.RateLimits;

/// <summary>
/// A token bucket per key, each kept as one number: the moment its bucket will be full again (the "theoretical arrival
/// time" of the generic cell rate algorithm). ASP.NET Core's partitioned limiter keeps a limiter object per key and
/// refills all of them every 100 ms: with `./flashsale bench limiter-cost` that was about 290 bytes a key and a whole
/// core at a million keys, and one edge may see hundreds of thousands of addresses, and millions of sessions, at the
/// start of a 2M-shopper campaign. Here a token is a dictionary read and a compare-and-swap, nothing runs between
/// requests, and a sweep every 10 s forgets the keys whose buckets are full again.
/// </summary>
public sealed class TokenBuckets : IDisposable
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<UInt128, long> fullAt = new();
    private readonly TimeProvider time;
    private readonly long interval;
    private readonly long depth;
    private readonly ITimer sweeper;

    public TokenBuckets(int perSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        this.time = time;
        // In timestamp ticks: one token's worth of time, and how far ahead of now a bucket's full-again moment may run.
        interval = Math.Max(1, time.TimestampFrequency / perSecond);
        depth = interval * burst;
        sweeper = time.CreateTimer(_ => Sweep(), null, SweepEvery, SweepEvery);
    }

    /// <summary>Keys remembered now: those whose bucket is not yet full again (until the next sweep).</summary>
    public int Count => fullAt.Count;

    /// <summary>Takes a token from <paramref name="key"/>'s bucket, or says how long until one is there.</summary>
    public bool TryTake(UInt128 key, out TimeSpan retryAfter)
    {
        var now = time.GetTimestamp();
        while (true)
        {
            var known = fullAt.TryGetValue(key, out var full);
            var next = Math.Max(full, now) + interval;
            if (next - now > depth)
            {
                retryAfter = TimeSpan.FromSeconds((next - now - depth) / (double)time.TimestampFrequency);
                return false;
            }
            if (known ? fullAt.TryUpdate(key, next, full) : fullAt.TryAdd(key, next))
            {
                retryAfter = TimeSpan.Zero;
                return true;
            }
        }
    }

    /// <summary>Forgets full buckets: one that is full again behaves exactly like one never seen.</summary>
    public void Sweep()
    {
        var now = time.GetTimestamp();
        foreach (var entry in fullAt)
        {
            if (entry.Value <= now)
            {
                // Only if unchanged: a request that took a token meanwhile keeps its bucket.
                fullAt.TryRemove(entry);
            }
        }
    }

    public void Dispose() => sweeper.Dispose();
}
