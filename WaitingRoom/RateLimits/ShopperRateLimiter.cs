using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using FlashSale.Shared.Tokens;
using Microsoft.Extensions.Options;

namespace FlashSale.WaitingRoom.RateLimits;

/// <summary>
/// The edge's limits on shoppers, as the global limiter of ASP.NET Core's rate-limiting middleware: a token bucket per
/// client address, and one per credential, the bearer token a shopper sends (a session, or a turn's admission token),
/// so one account cannot spend its whole address's allowance, nor a script its own. Both are <see cref="TokenBuckets"/>.
/// Requests that are not a shopper's (<see cref="ShopperRateLimits.IsShopperRequest"/>) and exempt addresses pass.
/// </summary>
public sealed class ShopperRateLimiter : PartitionedRateLimiter<HttpContext>
{
    private readonly HashSet<UInt128> exempt;
    private readonly TokenBuckets? addresses;
    private readonly TokenBuckets? credentials;

    public ShopperRateLimiter(IOptions<RateLimitOptions> options, TimeProvider time)
    {
        var o = options.Value;
        exempt = o.ExemptAddresses.Select(a => ClientKey(IPAddress.Parse(a))).ToHashSet();
        addresses = o.PerAddressPerSecond == 0 ? null : new TokenBuckets(o.PerAddressPerSecond, o.PerAddressBurst, time);
        credentials = o.PerSessionPerSecond == 0 ? null : new TokenBuckets(o.PerSessionPerSecond, o.PerSessionBurst, time);
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

    /// <summary>
    /// The bucket a bearer token counts against: the first 18 bytes of its signature, a keyed hash of everything in the
    /// token and so distinct per token, read without checking it (the endpoint does that) and without allocating. None
    /// for a request without a token that has one.
    /// </summary>
    public static UInt128? CredentialKey(string? authorization)
    {
        if (!JwtCodec.TryBearer(authorization, out var token))
        {
            return null;
        }
        var signature = token[(token.LastIndexOf('.') + 1)..];
        Span<byte> bytes = stackalloc byte[18];
        return signature.Length >= 24 && Base64Url.DecodeFromChars(signature[..24], bytes, out _, out var written) == OperationStatus.Done && written == 18
            ? BinaryPrimitives.ReadUInt128BigEndian(bytes)
            : null;
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (permitCount == 0 || resource.Connection.RemoteIpAddress is not { } remote || !ShopperRateLimits.IsShopperRequest(resource.Request.Path))
        {
            return Lease.Granted;
        }
        var address = ClientKey(remote);
        if (exempt.Contains(address))
        {
            return Lease.Granted;
        }
        if (addresses is not null && !addresses.TryTake(address, out var wait))
        {
            return new Lease(wait);
        }
        return credentials is not null && CredentialKey(resource.Request.Headers.Authorization) is { } credential && !credentials.TryTake(credential, out wait)
            ? new Lease(wait)
            : Lease.Granted;
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        new(AttemptAcquireCore(resource, permitCount));

    protected override void Dispose(bool disposing)
    {
        addresses?.Dispose();
        credentials?.Dispose();
        base.Dispose(disposing);
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
