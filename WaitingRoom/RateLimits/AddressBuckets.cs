using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace FlashSale.WaitingRoom.RateLimits;

/// <summary>
/// A token bucket per client address, each kept as one number: the moment its bucket will be full again (the "theoretical
/// arrival time" of the generic cell rate algorithm). ASP.NET Core's partitioned limiter keeps a limiter object per key
/// and refills all of them every 100 ms: with `./flashsale bench limiter-cost` that was about 290 bytes an address and a
/// whole core at a million addresses, and one edge may see hundreds of thousands at the start of a 2M-shopper campaign.
/// Here a request is a dictionary read and a compare-and-swap, nothing runs between requests, and a sweep every 10 s
/// forgets the addresses whose buckets are full again. It plugs into the framework's rate-limiting middleware as its
/// global limiter.
/// </summary>
public sealed class AddressBuckets : PartitionedRateLimiter<HttpContext>
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<UInt128, long> fullAt = new();
    private readonly HashSet<UInt128> exempt;
    private readonly TimeProvider time;
    private readonly long interval;
    private readonly long depth;
    private readonly ITimer sweeper;

    public AddressBuckets(IOptions<RateLimitOptions> options, TimeProvider time)
    {
        var o = options.Value;
        this.time = time;
        exempt = o.ExemptAddresses.Select(a => ClientKey(IPAddress.Parse(a))).ToHashSet();
        // In timestamp ticks: one token's worth of time, and how far ahead of now a bucket's full-again moment may run.
        interval = Math.Max(1, time.TimestampFrequency / Math.Max(1, o.PerAddressPerSecond));
        depth = interval * o.PerAddressBurst;
        sweeper = time.CreateTimer(_ => Sweep(), null, SweepEvery, SweepEvery);
    }

    /// <summary>Addresses remembered now: those whose bucket is not yet full again (until the next sweep).</summary>
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

    /// <summary>
    /// The bucket an address counts against: an IPv4 address itself (also when it arrives IPv4-mapped), an IPv6
    /// address by its /64, the block one subscriber is given, so a client cannot pick a fresh address per request.
    /// IPv4 lands in the IPv4-mapped range, where no /64 of a real IPv6 client lies.
    /// </summary>
    public static UInt128 ClientKey(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes[12..], out _);
            bytes[10] = bytes[11] = 0xff;
        }
        else
        {
            address.TryWriteBytes(bytes, out _);
            if (!address.IsIPv4MappedToIPv6)
            {
                bytes[8..].Clear();
            }
        }
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (permitCount == 0 || resource.Connection.RemoteIpAddress is not { } remote || !AddressRateLimits.IsShopperRequest(resource.Request.Path))
        {
            return Lease.Granted;
        }
        var key = ClientKey(remote);
        return exempt.Contains(key) || TryTake(key, out var wait) ? Lease.Granted : new Lease(wait);
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        new(AttemptAcquireCore(resource, permitCount));

    protected override void Dispose(bool disposing)
    {
        sweeper.Dispose();
        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await sweeper.DisposeAsync();
        await base.DisposeAsyncCore();
    }

    private sealed class Lease(TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(null);

        public override bool IsAcquired => retryAfter is null;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name ? wait : null;
            return metadata is not null;
        }
    }
}
