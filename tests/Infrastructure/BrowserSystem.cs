using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FlashSale.Admin;
using FlashSale.ClaimApi;
using FlashSale.WaitingRoom;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace FlashSale.Tests.Infrastructure;

/// <summary>
/// The three services on the real clock, with a headless Debian Chromium driven by Playwright. A browser's timers
/// cannot follow a fake clock, so browser tests use real time with campaigns that start a few seconds ahead.
/// </summary>
public sealed class BrowserSystem : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly List<WebApplication> apps = [];

    public Uri EdgeUrl { get; private set; } = null!;
    public HttpClient Edge { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var admin = await StartAsync(AdminApp.Create(FlashSaleSystem.CommonArgs()));
        // An instance id of its own: leases are per instance, and the fake-clock fixture's instances share this process.
        var claims = await StartAsync(ClaimApiApp.Create(FlashSaleSystem.CommonArgs($"--ClaimApi:InstanceId=browser-claims-{Guid.NewGuid():N}")));
        EdgeUrl = await StartAsync(WaitingRoomApp.Create(FlashSaleSystem.CommonArgs($"--Proxy:ClaimApi:0={claims}", $"--Proxy:Admin={admin}")));
        Edge = new HttpClient { BaseAddress = EdgeUrl, Timeout = TimeSpan.FromSeconds(30) };

        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"No browser at {ChromiumPath}: './flashsale test' installs Debian's chromium package.");
        }
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        // Debian's Chromium only, never a downloaded browser; as root it needs --no-sandbox.
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task<string> CreateCampaignAsync(int stock, int rate, double startsInSeconds, string name = "Browser sale: 20% off")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/campaigns")
        {
            Content = JsonContent.Create(new
            {
                name,
                startsAt = DateTimeOffset.UtcNow.AddSeconds(startsInSeconds),
                durationSeconds = 120,
                stock,
                coupon = new { kind = "percent", value = 20 },
                admission = new { ratePerSecond = rate },
            }),
        };
        request.Headers.Add("X-Api-Key", FlashSaleSystem.AdminKey);
        var response = await Edge.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    /// <summary>A phone's screen (390 px wide at 2×, touch): the pages must work there first.</summary>
    public Task<IBrowserContext> NewPhoneContextAsync(int height = 760) =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = height },
            DeviceScaleFactor = 2,
            IsMobile = true,
            HasTouch = true,
        });

    /// <summary>
    /// Uncaught exceptions and console errors of <paramref name="page"/> from now on. With <paramref name="refusalsExpected"/>,
    /// Chromium's "Failed to load resource" lines are left out: an API's 4xx the page shows is an answer, not a script error.
    /// </summary>
    public static List<string> ScriptErrors(IPage page, bool refusalsExpected = false)
    {
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error" && !(refusalsExpected && m.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)))
            {
                // A failed fetch's text does not name the resource; its location does.
                errors.Add($"{m.Text} ({m.Location})");
            }
        };
        return errors;
    }

    public async Task<string> SessionAsync(string userId)
    {
        var response = await Edge.PostAsJsonAsync("/api/dev/sessions", new { userId });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!["token"]!.GetValue<string>();
    }

    private async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        apps.Add(app);
        return FlashSaleSystem.UrlOf(app);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        Playwright?.Dispose();
        foreach (var app in Enumerable.Reverse(apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Edge?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserSystem>
{
    public const string Name = "browser";
}
