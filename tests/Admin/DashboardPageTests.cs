using System.Net;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Admin;

/// <summary>The marketers' page as the edge serves it from Admin: no key needed for the page, only for the API it calls.</summary>
[Collection(SystemCollection.Name)]
public sealed class DashboardPageTests(FlashSaleSystem sys)
{
    private static readonly string[] Hooks =
    [
        "/admin/assets/dashboard.js", "/admin/assets/dashboard.css", "id=\"key-form\"", "id=\"key\"", "id=\"campaigns\"",
        "id=\"rate\"", "id=\"max-active\"", "id=\"pause\"", "id=\"resume\"", "id=\"cancel-campaign\"", "id=\"create-form\"", "id=\"audit\"",
        .. new[] { "stock", "claimed", "available", "leased", "redeemed", "released", "queueLength", "served", "claimsPerSecond" }
            .Select(m => $"data-metric=\"{m}\""),
    ];

    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/")]
    public async Task Dashboard_ThroughTheEdge_Is200Html_WithItsHooks(string path)
    {
        var page = await sys.Edge.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("no-cache", page.Headers.CacheControl?.ToString());
        var html = await page.Content.ReadAsStringAsync();
        Assert.All(Hooks, hook => Assert.Contains(hook, html));
    }

    [Fact]
    public async Task Dashboard_Assets_AreServedAndRevalidated_UnknownIs404Problem()
    {
        var script = await sys.Edge.GetAsync("/admin/assets/dashboard.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal("text/css", (await sys.Edge.GetAsync("/admin/assets/dashboard.css")).Content.Headers.ContentType?.MediaType);

        var again = new HttpRequestMessage(HttpMethod.Get, "/admin/assets/dashboard.js");
        again.Headers.TryAddWithoutValidation("If-None-Match", script.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, (await sys.Edge.SendAsync(again)).StatusCode);
        await Api.AssertProblemAsync(await sys.Edge.GetAsync("/admin/assets/secrets.txt"), HttpStatusCode.NotFound, "/not-found");
        await Api.AssertProblemAsync(await sys.Edge.GetAsync("/admin/assets/dashboard.html"), HttpStatusCode.NotFound, "/not-found");
    }
}
