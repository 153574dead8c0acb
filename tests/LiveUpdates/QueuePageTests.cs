using System.Net;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.LiveUpdates;

[Collection(SystemCollection.Name)]
public sealed class QueuePageTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task QueuePage_Get_ServesTheCacheableHtmlAndItsAssets()
    {
        var page = await sys.Edge.GetAsync("/c/c_anycampaign1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/c/assets/queue.js", html);
        Assert.Contains("/c/assets/queue.css", html);

        var script = await sys.Edge.GetAsync("/c/assets/queue.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        var css = await sys.Edge.GetAsync("/c/assets/queue.css");
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);

        var again = new HttpRequestMessage(HttpMethod.Get, "/c/c_othercampaign");
        again.Headers.TryAddWithoutValidation("If-None-Match", page.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, (await sys.Edge.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task QueuePage_MalformedIdOrUnknownAsset_Answer404Problem()
    {
        await Api.AssertProblemAsync(await sys.Edge.GetAsync("/c/not%20an%20id"), HttpStatusCode.NotFound, "/not-found");
        await Api.AssertProblemAsync(await sys.Edge.GetAsync("/c/assets/secrets.txt"), HttpStatusCode.NotFound, "/not-found");
    }
}
