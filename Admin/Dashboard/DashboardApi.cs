using FlashSale.Shared.Hosting;

namespace FlashSale.Admin.Dashboard;

/// <summary>
/// The marketers' page at <c>/admin</c>, reached through the edge. The page itself holds no secret, so it is served
/// without the key; it asks for the key and sends it on every API call, as any other client of the admin API does.
/// </summary>
public static class DashboardApi
{
    // Always revalidated: a script cached from before a deploy would call the admin API as it was.
    private static readonly EmbeddedAssets Assets = new(typeof(DashboardApi).Assembly, "FlashSale.Admin.Dashboard.",
        "no-cache", "dashboard.html", "dashboard.css", "dashboard.js");

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin", (HttpContext http) => Assets.Serve(http, "dashboard.html"));
        Assets.MapAssets(app, "/admin/assets", "dashboard.html");
        return app;
    }
}
