using System.Threading.RateLimiting;
using FlashSale.Shared.Problems;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FlashSale.WaitingRoom.RateLimits;

/// <summary>
/// Token buckets per client address and per credential in front of what shoppers ask of the edge (queue API, live
/// updates, queue page, campaign reads, and the proxied claims, their coupons and a coupon's release), answering 429
/// <c>/rate-limited</c> with <c>Retry-After</c>, through ASP.NET Core's rate-limiting middleware with
/// <see cref="ShopperRateLimiter"/> as its limiter.
/// </summary>
public static class ShopperRateLimits
{
    public static IServiceCollection AddShopperRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ShopperRateLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>, IServiceProvider>((limiter, limits, provider) =>
        {
            if (limits.Value is { PerAddressPerSecond: 0, PerSessionPerSecond: 0 })
            {
                return;
            }
            limiter.GlobalLimiter = provider.GetRequiredService<ShopperRateLimiter>();
            limiter.OnRejected = (rejected, _) =>
            {
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                return new ValueTask(Problem.RateLimited(wait).ExecuteAsync(rejected.HttpContext));
            };
        });
        return services;
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
