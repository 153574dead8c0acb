using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FlashSale.Tests.Infrastructure;
using Microsoft.Playwright;

namespace FlashSale.Tests.LiveUpdates;

[Collection(BrowserCollection.Name)]
public sealed class QueuePageBrowserTests(BrowserSystem sys)
{
    [Fact]
    public async Task QueuePage_ShopperBeforeStart_SeesCountdownIsAdmittedClaimsAndSeesCoupon()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 3, rate: 4, startsInSeconds: 8);
        // Others in the pre-queue, so the shopper most likely spends a moment in line after the draw.
        for (var i = 0; i < 12; i++)
        {
            var bot = await sys.SessionAsync($"browser-{campaign}-{i}");
            using var join = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaign}/queue");
            join.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bot);
            (await sys.Edge.SendAsync(join)).EnsureSuccessStatusCode();
        }

        await using var context = await sys.NewPhoneContextAsync();
        var page = await context.NewPageAsync();
        var errors = BrowserSystem.ScriptErrors(page);

        await page.GotoAsync(new Uri(sys.EdgeUrl, $"/c/{campaign}").ToString());
        await page.WaitForSelectorAsync("body[data-view=countdown]");
        await page.WaitForFunctionAsync("() => /^0:0[1-8]$/.test(document.getElementById('countdown').textContent)");
        Assert.Equal("3 left", await page.TextContentAsync("#remaining"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor("waiting.png") });

        // The in-line view shows when the draw puts the shopper behind a bot; admission ends the wait either way.
        var view = await page.WaitForFunctionAsync(
            "() => document.body.dataset.view === 'admitted' || (document.body.dataset.view === 'waiting' && /^\\d/.test(document.getElementById('position').textContent)) ? document.body.dataset.view : null",
            null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        if (await view.JsonValueAsync<string>() == "waiting")
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor("in-line.png") });
        }
        await page.WaitForSelectorAsync("body[data-view=admitted]", new PageWaitForSelectorOptions { Timeout = 20_000 });
        await page.ClickAsync("#claim");
        await page.WaitForSelectorAsync("body[data-view=won]", new PageWaitForSelectorOptions { Timeout = 10_000 });
        var code = (await page.TextContentAsync("#coupon"))!.Trim();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor("won.png") });

        // The code on screen is the one the shopper's session holds.
        var session = JsonNode.Parse((await page.EvaluateAsync<string>("() => localStorage.getItem('flashsale.session')"))!)!["token"]!.GetValue<string>();
        using var mine = new HttpRequestMessage(HttpMethod.Get, "/api/me/coupons");
        mine.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        var coupons = JsonNode.Parse(await (await sys.Edge.SendAsync(mine)).Content.ReadAsStringAsync())!.AsArray();
        Assert.Equal(code, Assert.Single(coupons)!["couponCode"]!.GetValue<string>());
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task QueuePage_WithoutEventSource_PollsAndStillAdmits()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 3, rate: 10, startsInSeconds: 3);
        await using var context = await sys.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var streams = 0;
        page.Request += (_, r) => streams += r.Url.Contains("/events", StringComparison.Ordinal) ? 1 : 0;

        await page.GotoAsync(new Uri(sys.EdgeUrl, $"/c/{campaign}?transport=poll").ToString());
        await page.WaitForSelectorAsync("body[data-view=countdown]");
        await page.WaitForSelectorAsync("body[data-view=admitted]", new PageWaitForSelectorOptions { Timeout = 20_000 });
        Assert.Equal(0, streams);
        Assert.Contains("Updating", await page.TextContentAsync("#connection"));
    }
}

/// <summary>Where the browser tests put their pictures: the repo's docs/screenshots when asked to refresh them, else .data/.</summary>
internal static class Screenshots
{
    public static string PathFor(string name)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "FlashSale.sln")))
        {
            root = root.Parent;
        }
        var baseDir = root?.FullName ?? AppContext.BaseDirectory;
        var folder = Environment.GetEnvironmentVariable("FLASHSALE_UPDATE_SCREENSHOTS") == "1"
            ? Path.Combine(baseDir, "docs", "screenshots")
            : Path.Combine(baseDir, ".data", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }
}
