using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using FlashSale.Shared.Problems;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FlashSale.WaitingRoom.RateLimits;

/// <summary>
/// A token bucket per client address in front of what shoppers ask of the edge (queue API, live updates, queue page,
/// campaign reads, and the proxied claims, their coupons and a coupon's release), answering 429 <c>/rate-limited</c>
/// with <c>Retry-After</c>. Per address, not per session: a bucket per session would be millions of limiters at the
/// start, and ASP.NET Core's partitioned limiter walks all of its buckets ten times a second to refill them. Sessions
/// cannot gain by asking more often anyway: a re-join never improves a place, and a claim needs an admission token.
/// </summary>
public static class AddressRateLimits
{
    public static IServiceCollection AddAddressRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, limits) =>
        {
            var o = limits.Value;
            if (o.PerAddressPerSecond == 0)
            {
                return;
            }
            var exempt = o.ExemptAddresses.Select(a => ClientKey(IPAddress.Parse(a))).ToHashSet();
            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.PerAddressBurst,
                TokensPerPeriod = o.PerAddressPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                // The partitioned limiter refills every bucket from its one timer; a timer per bucket would be worse.
                AutoReplenishment = false,
            };
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, IPAddress>(http =>
            {
                var key = http.Connection.RemoteIpAddress is { } remote ? ClientKey(remote) : null;
                return key is null || exempt.Contains(key) || !IsShopperRequest(http.Request.Path)
                    ? RateLimitPartition.GetNoLimiter(IPAddress.None)
                    : RateLimitPartition.GetTokenBucketLimiter(key, _ => bucket);
            });
            limiter.OnRejected = (rejected, _) =>
            {
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                return new ValueTask(Problem.RateLimited(wait).ExecuteAsync(rejected.HttpContext));
            };
        });
        return services;
    }

    /// <summary>
    /// The bucket an address counts against: an IPv4 address itself (also when it arrives IPv4-mapped), an IPv6
    /// address by its /64, the block one subscriber is given, so a client cannot pick a fresh address per request.
    /// </summary>
    public static IPAddress ClientKey(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }

    /// <summary>
    /// Whether a request is a shopper's. Probes and scrapes come from the platform and must answer however busy an address
    /// is. Checkout's coupon calls and the admin API come from a few known servers and desks, each authenticated by its
    /// API key where it is served: an address limit there would throttle the shop's own checkout in the busiest minute.
    /// A coupon's release is the shopper's own call.
    /// </summary>
    internal static bool IsShopperRequest(PathString path)
    {
        // Case and a trailing slash as routing ignores them, so no spelling of a shopper's path slips past its limit.
        const StringComparison Any = StringComparison.OrdinalIgnoreCase;
        if (path.StartsWithSegments("/healthz", Any) || path.StartsWithSegments("/metrics", Any)
            || path.StartsWithSegments("/api/admin", Any) || path.StartsWithSegments("/admin", Any))
        {
            return false;
        }
        return !path.StartsWithSegments("/api/coupons", Any, out var rest)
            || rest.Value?.TrimEnd('/').EndsWith("/release", Any) == true;
    }
}
