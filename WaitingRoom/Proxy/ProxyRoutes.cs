using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace FlashSale.WaitingRoom.Proxy;

/// <summary>The paths of API.md that the edge forwards, and to which service.</summary>
public static class ProxyRoutes
{
    public static IServiceCollection AddEdgeProxy(this IServiceCollection services)
    {
        services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddReverseProxy()
            // Nothing behind the edge reads X-Forwarded-* or a trace context, and each forwarded claim paid to write them.
            .AddTransforms(context => context.UseDefaultForwarders = false)
            .ConfigureHttpClient((_, handler) => handler.ActivityHeadersPropagator = null);
        services.AddSingleton<IProxyConfigProvider>(sp => Build(sp.GetRequiredService<IOptions<ProxyOptions>>().Value));
        return services;
    }

    private static InMemoryConfigProvider Build(ProxyOptions options)
    {
        RouteConfig Route(string id, string cluster, string path) => new() { RouteId = id, ClusterId = cluster, Match = new RouteMatch { Path = path } };
        var routes = new[]
        {
            Route("claims", "claims", "/api/campaigns/{id}/claims"),
            Route("coupons", "claims", "/api/coupons/{**rest}"),
            Route("my-coupons", "claims", "/api/me/coupons"),
            // Answers only where ClaimApi maps its benchmark baseline (ClaimApi:BenchEndpoints); 404 elsewhere.
            Route("bench", "claims", "/api/bench/{**rest}"),
            Route("admin-api", "admin", "/api/admin/{**rest}"),
            // A catch-all may match nothing, so this also takes /admin itself: the dashboard page.
            Route("admin-page", "admin", "/admin/{**rest}"),
        };
        var clusters = new[]
        {
            new ClusterConfig
            {
                ClusterId = "claims",
                LoadBalancingPolicy = "RoundRobin",
                Destinations = options.ClaimApi.Select((address, i) => (address, i))
                    .ToDictionary(d => $"claims-{d.i + 1}", d => new DestinationConfig { Address = d.address }),
            },
            new ClusterConfig
            {
                ClusterId = "admin",
                Destinations = new Dictionary<string, DestinationConfig> { ["admin-1"] = new() { Address = options.Admin } },
            },
        };
        return new InMemoryConfigProvider(routes, clusters);
    }
}
