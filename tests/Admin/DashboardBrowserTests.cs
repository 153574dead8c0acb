using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FlashSale.Tests.Infrastructure;
using FlashSale.Tests.LiveUpdates;
using Microsoft.Playwright;

namespace FlashSale.Tests.Admin;

/// <summary>The dashboard in Debian's Chromium on a phone-sized screen, as a marketer uses it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardBrowserTests(BrowserSystem sys)
{
    [Fact]
    public async Task Dashboard_Marketer_EntersTheKey_WatchesTheDemoCampaign_ChangesTheRate_SeesItAudited()
    {
        // Shaped like the campaign `./flashsale up` seeds.
        var demo = await sys.CreateCampaignAsync(stock: 1000, rate: 50, startsInSeconds: 120, name: "Demo: 1,000 coupons at 20% off");
        await using var context = await sys.NewPhoneContextAsync(height: 844);
        var page = await context.NewPageAsync();
        var errors = BrowserSystem.ScriptErrors(page, refusalsExpected: true);

        await page.GotoAsync(new Uri(sys.EdgeUrl, "/admin").ToString());
        await page.WaitForSelectorAsync("body[data-view=key]");
        await page.FillAsync("#key", "not-the-admin-key");
        await page.ClickAsync("#key-form button[type=submit]");
        await page.WaitForFunctionAsync("() => document.getElementById('key-error').textContent.includes('refused')");
        await page.FillAsync("#key", FlashSaleSystem.AdminKey);
        await page.ClickAsync("#key-form button[type=submit]");
        await page.WaitForSelectorAsync("body[data-view=dashboard]");

        await page.ClickAsync($"#campaigns button[data-id='{demo}']");
        await page.WaitForFunctionAsync("() => document.querySelector('[data-metric=stock]').textContent === '1,000'");
        Assert.Equal("1,000", await page.TextContentAsync("[data-metric=available]"));
        Assert.Equal("0", await page.TextContentAsync("[data-metric=claimed]"));
        Assert.Equal("scheduled", await page.TextContentAsync("#c-state"));
        // Metrics are read again every second: a change made elsewhere shows without a reload.
        (await AdminAsync(HttpMethod.Patch, $"/api/admin/campaigns/{demo}", new { stock = 1200 })).EnsureSuccessStatusCode();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-metric=available]').textContent === '1,200'",
            null, new PageWaitForFunctionOptions { Timeout = 5000 });

        await page.FillAsync("#rate", "75");
        await page.ClickAsync("#apply-admission");
        await page.WaitForSelectorAsync("#audit li[data-action='campaign.admission']");
        Assert.Contains("ratePerSecond: 50 → 75", await page.TextContentAsync("#audit li[data-action='campaign.admission'] code"));
        Assert.Equal(75, (await CampaignAsync(demo))["admission"]!["ratePerSecond"]!.GetValue<int>());
        await page.ClickAsync("#pause");
        await page.WaitForSelectorAsync("#c-paused:not([hidden])");
        Assert.True((await CampaignAsync(demo))["admission"]!["paused"]!.GetValue<bool>());
        Assert.Equal(75, (await CampaignAsync(demo))["admission"]!["ratePerSecond"]!.GetValue<int>());
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page is wider than the phone");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor("dashboard-phone.png"), FullPage = true });
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task Dashboard_CreateForm_ShowsFieldErrorsInline_ThenCreates_AndCancelAsksFirst()
    {
        await using var context = await sys.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var errors = BrowserSystem.ScriptErrors(page, refusalsExpected: true);
        await page.GotoAsync(new Uri(sys.EdgeUrl, "/admin").ToString());
        await page.FillAsync("#key", FlashSaleSystem.AdminKey);
        await page.ClickAsync("#key-form button[type=submit]");
        await page.WaitForSelectorAsync("body[data-view=dashboard]");
        var name = $"Made on the dashboard {Guid.NewGuid():N}";

        await page.FillAsync("#create-form [name=name]", name);
        await page.ClickAsync("#create-form button[type=submit]");
        await page.WaitForFunctionAsync("() => document.querySelector('#create-form [data-error-for=stock]').textContent !== ''");
        Assert.Equal("The stock is required.", await page.TextContentAsync("#create-form [data-error-for=stock]"));
        Assert.Equal("The admission rate is required.", await page.TextContentAsync("#create-form [data-error-for='admission.ratePerSecond']"));
        Assert.Equal("true", await page.GetAttributeAsync("#create-form [name=stock]", "aria-invalid"));
        Assert.Contains("invalid", await page.TextContentAsync("#create-form .form-error"));

        await page.FillAsync("#create-form [name=stock]", "5");
        await page.FillAsync("#create-form [name='coupon.value']", "10");
        await page.FillAsync("#create-form [name='admission.ratePerSecond']", "10");
        await page.ClickAsync("#create-form button[type=submit]");
        await page.WaitForFunctionAsync($"() => document.getElementById('c-name').textContent === '{name}'");
        Assert.Equal("", await page.TextContentAsync("#create-form [data-error-for=stock]"));
        await page.WaitForSelectorAsync("#audit li[data-action='campaign.create']");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor("dashboard.png"), FullPage = true });

        var dismissed = 0;
        page.Dialog += async (_, dialog) =>
        {
            if (dismissed++ == 0)
            {
                await dialog.DismissAsync();
            }
            else
            {
                await dialog.AcceptAsync();
            }
        };
        await page.ClickAsync("#cancel-campaign");
        Assert.Equal("scheduled", await page.TextContentAsync("#c-state"));
        await page.ClickAsync("#cancel-campaign");
        await page.WaitForFunctionAsync("() => document.getElementById('c-state').textContent === 'cancelled'");
        Assert.True(await page.IsDisabledAsync("#apply-admission"));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    private Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-Api-Key", FlashSaleSystem.AdminKey);
        return sys.Edge.SendAsync(request);
    }

    private async Task<JsonNode> CampaignAsync(string id)
    {
        var response = await AdminAsync(HttpMethod.Get, $"/api/admin/campaigns/{id}");
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}
