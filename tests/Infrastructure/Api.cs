using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlashSale.Shared.Redis;
using StackExchange.Redis;

namespace FlashSale.Tests.Infrastructure;

/// <summary>What a shopper, a marketer and checkout do over HTTP, written once for every test.</summary>
public static class Api
{
    public static async Task<string> CreateCampaignAsync(this FlashSaleSystem sys, int stock, int rate = 1000, int startsInSeconds = 60,
        int durationSeconds = 300, object? coupon = null, int tokenTtlSeconds = 120, object? admission = null)
    {
        var response = await sys.PostAdminAsync("/api/admin/campaigns", new
        {
            name = "test campaign",
            startsAt = sys.Clock.GetUtcNow().AddSeconds(startsInSeconds),
            durationSeconds,
            stock,
            coupon = coupon ?? new { kind = "percent", value = 20 },
            admission = admission ?? new { ratePerSecond = rate, tokenTtlSeconds },
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    public static Task<HttpResponseMessage> PostAdminAsync(this FlashSaleSystem sys, string path, object body, string? key = FlashSaleSystem.AdminKey) =>
        sys.SendAdminAsync(HttpMethod.Post, path, JsonContent.Create(body), key);

    /// <summary>A PATCH of a campaign; a string body is sent as it is (malformed JSON, a merge patch's own media type).</summary>
    public static Task<HttpResponseMessage> PatchCampaignAsync(this FlashSaleSystem sys, string campaignId, object body, string? key = FlashSaleSystem.AdminKey,
        string mediaType = "application/json") =>
        sys.SendAdminAsync(HttpMethod.Patch, $"/api/admin/campaigns/{campaignId}",
            body is string raw ? new StringContent(raw, System.Text.Encoding.UTF8, mediaType) : JsonContent.Create(body), key);

    public static Task<HttpResponseMessage> SendAdminAsync(this FlashSaleSystem sys, HttpMethod method, string path, HttpContent? content, string? key = FlashSaleSystem.AdminKey)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }
        return sys.Edge.SendAsync(request);
    }

    public static async Task<JsonNode> GetAdminAsync(this FlashSaleSystem sys, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", FlashSaleSystem.AdminKey);
        var response = await sys.Edge.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!;
    }

    /// <summary>Live admission tuning as a marketer does it; asserts it was accepted.</summary>
    public static async Task SetAdmissionAsync(this FlashSaleSystem sys, string campaignId, object settings)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/admin/campaigns/{campaignId}/admission") { Content = JsonContent.Create(settings) };
        request.Headers.Add("X-Api-Key", FlashSaleSystem.AdminKey);
        var response = await sys.Edge.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Lets the edge's ticker run <paramref name="ticks"/> times on the shared fake clock.</summary>
    public static async Task NudgeAsync(this FlashSaleSystem sys, int ticks)
    {
        for (var i = 0; i < ticks; i++)
        {
            sys.Clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(30);
        }
    }

    /// <summary>
    /// Waits (in real time, nudging the fake clock by single ticks) until <paramref name="condition"/> holds. The
    /// default allows 150 nudges: with the whole suite's campaigns live, a tick can take longer than a nudge's 30 ms
    /// and the timer then folds several nudges into one tick (a reaper test failed once at 50). A test that asserts
    /// how soon something happens passes its own bound.
    /// </summary>
    public static async Task EventuallyAsync(this FlashSaleSystem sys, Func<Task<bool>> condition, int maxTicks = 150)
    {
        for (var i = 0; i < maxTicks; i++)
        {
            if (await condition())
            {
                return;
            }
            await sys.NudgeAsync(1);
        }
        Assert.True(await condition(), $"The condition did not hold within {maxTicks} ticks.");
    }

    public static async Task<string> SessionAsync(this FlashSaleSystem sys, string userId)
    {
        var response = await sys.Edge.PostAsJsonAsync("/api/dev/sessions", new { userId });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!["token"]!.GetValue<string>();
    }

    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string path, string? bearer, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return client.SendAsync(request);
    }

    public static async Task<JsonNode> JoinAsync(this FlashSaleSystem sys, string campaignId, string session)
    {
        var response = await sys.Edge.SendAsync(HttpMethod.Post, $"/api/campaigns/{campaignId}/queue", session);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        return JsonNode.Parse(body)!;
    }

    /// <summary>
    /// The shopper's queue status once it is no longer <paramref name="from"/>, polled on the wall clock for at most a
    /// second (pub/sub is real time, not the test's clock); <paramref name="from"/> itself if it never changed.
    /// </summary>
    public static Task<string> StatusChangedFromAsync(this FlashSaleSystem sys, string campaignId, string session, string from) =>
        Poll.UntilAsync(async () => (await sys.QueueStatusAsync(campaignId, session))["status"]!.GetValue<string>(), status => status != from,
            TimeSpan.FromSeconds(1), everyMilliseconds: 10);

    /// <summary>A shopper's seen mark (Unix seconds, 0: none) as Redis holds it; a post-start member's score is the base plus its join index, which addresses the mark.</summary>
    public static async Task<long> SeenMarkAsync(this FlashSaleSystem sys, string campaignId, string userId)
    {
        var db = sys.Redis.GetDatabase();
        var index = (long)(await db.SortedSetScoreAsync(RedisKeys.Queue(campaignId), QueueMember.Of(userId)))!.Value - QueueLua.PostStartBase;
        return await db.SeenMarkAtAsync(campaignId, index);
    }

    /// <summary>The seen mark (Unix seconds, 0: none) at a join index of the campaign's flat array of marks.</summary>
    public static async Task<long> SeenMarkAtAsync(this IDatabase db, string campaignId, long index) =>
        (long)((RedisResult[])(await db.ExecuteAsync("BITFIELD", RedisKeys.Seen(campaignId), "GET", "u32", $"#{index}"))!)[0];

    public static async Task<JsonNode> QueueStatusAsync(this FlashSaleSystem sys, string campaignId, string session)
    {
        var response = await sys.Edge.SendAsync(HttpMethod.Get, $"/api/campaigns/{campaignId}/queue", session);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!;
    }

    /// <summary>Moves the shared clock past the start and waits (in real time) until the edge has ticked the cursor to <paramref name="served"/>.</summary>
    public static async Task StartAndAdmitAsync(this FlashSaleSystem sys, string campaignId, long served, int startsInSeconds = 60)
    {
        sys.Clock.Advance(TimeSpan.FromSeconds(startsInSeconds + 1));
        await sys.WaitForServedAsync(campaignId, served);
    }

    public static async Task WaitForServedAsync(this FlashSaleSystem sys, string campaignId, long served)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var value = await sys.Redis.GetDatabase().HashGetAsync(Shared.Redis.RedisKeys.Admission(campaignId), "served");
            if (!value.IsNull && double.Parse((string)value!, System.Globalization.CultureInfo.InvariantCulture) >= served)
            {
                return;
            }
            // The ticker runs on the shared fake clock: nudge it so its timer fires.
            sys.Clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(20);
        }
        Assert.Fail($"The admission cursor of {campaignId} did not reach {served}.");
    }

    /// <summary>A fresh campaign (stock 5) with one shopper, <paramref name="prefix"/>-{campaign}, joined, admitted and holding the token.</summary>
    public static async Task<(string Campaign, string User, string Token)> AdmittedShopperAsync(this FlashSaleSystem sys, string prefix)
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5);
        var user = $"{prefix}-{campaign}";
        var session = await sys.SessionAsync(user);
        await sys.JoinAsync(campaign, session);
        await sys.StartAndAdmitAsync(campaign, 1);
        return (campaign, user, await sys.AdmissionTokenAsync(campaign, session));
    }

    public static async Task<string> AdmissionTokenAsync(this FlashSaleSystem sys, string campaignId, string session)
    {
        var status = await sys.QueueStatusAsync(campaignId, session);
        Assert.Equal("admitted", status["status"]!.GetValue<string>());
        return status["admissionToken"]!.GetValue<string>();
    }

    public static Task<HttpResponseMessage> ClaimAsync(this FlashSaleSystem sys, string campaignId, string? admissionToken, HttpClient? client = null) =>
        (client ?? sys.Edge).SendAsync(HttpMethod.Post, $"/api/campaigns/{campaignId}/claims", admissionToken);

    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string typeSuffix)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.EndsWith(typeSuffix, problem["type"]!.GetValue<string>());
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(problem["detail"]?.GetValue<string>()));
    }

    public static async Task<JsonNode> GetFromJsonNodeAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!;
    }

    public static async Task<JsonNode> JsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    public static readonly JsonSerializerOptions Web = JsonSerializerOptions.Web;
}
