using System.Diagnostics;
using System.Net;
using Dapper;
using FlashSale.Tests.Claims;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Admin;

/// <summary>A cancelled campaign stops admitting, tells every waiting shopper within a second, and refuses claims.</summary>
[Collection(SystemCollection.Name)]
public sealed class CancelTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task Cancel_Live_TellsListenersAndPollersWithinOneSecond_StopsAdmissionAndRefusesClaims()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1);
        var admitted = await sys.SessionAsync($"cancel-admitted-{campaign}");
        var waiting = await sys.SessionAsync($"cancel-waiting-{campaign}");
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        await sys.JoinAsync(campaign, admitted);
        await sys.JoinAsync(campaign, waiting);
        await sys.WaitForServedAsync(campaign, 1);
        var token = await sys.AdmissionTokenAsync(campaign, admitted);
        await using var stream = await SseStream.OpenAsync(sys.Edge, $"/api/campaigns/{campaign}/events", waiting);
        await stream.NextAsync("inventory");

        var watch = Stopwatch.StartNew();
        var cancel = await sys.PostAdminAsync($"/api/admin/campaigns/{campaign}/cancel", new { });
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        // A state frame already on its way (the campaign re-read for another reason) may come first; the cancel must follow within the second.
        var state = await stream.NextAsync("state", TimeSpan.FromSeconds(5));
        while (state.Json["state"]!.GetValue<string>() != "cancelled" && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            state = await stream.NextAsync("state", TimeSpan.FromSeconds(5));
        }
        watch.Stop();

        Assert.Equal("cancelled", state.Json["state"]!.GetValue<string>());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"the stream heard of the cancel after {watch.ElapsedMilliseconds} ms");
        Assert.Equal("cancelled", (await cancel.JsonAsync())["state"]!.GetValue<string>());
        Assert.Equal("ended", (await sys.QueueStatusAsync(campaign, waiting))["status"]!.GetValue<string>());
        await Api.AssertProblemAsync(await sys.Edge.SendAsync(HttpMethod.Post, $"/api/campaigns/{campaign}/queue", waiting), HttpStatusCode.Conflict, "/not-live");
        // ClaimApi trusts its campaign read for a second; after that, an admitted token no longer claims.
        sys.Clock.Advance(TimeSpan.FromSeconds(2));
        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, token), HttpStatusCode.Conflict, "/not-live");
        var served = await sys.Redis.GetDatabase().HashGetAsync(Shared.Redis.RedisKeys.Admission(campaign), "served");
        sys.Clock.Advance(TimeSpan.FromSeconds(5));
        await sys.NudgeAsync(3);
        Assert.Equal(served, await sys.Redis.GetDatabase().HashGetAsync(Shared.Redis.RedisKeys.Admission(campaign), "served"));
        Assert.Equal("cancelled", (await sys.Edge.GetFromJsonNodeAsync($"/api/campaigns/{campaign}"))["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cancel_ClaimInTheSecondClaimApiStillTrustsLive_IsNotWritten_Is409_UnitStaysInStock()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        // Both claims go to one instance. The first makes it read the campaign as live and lease units; the clock then
        // stands still, so its one-second trust in that read outlasts the cancel.
        using var instance = new HttpClient { BaseAddress = sys.ClaimUrls[0] };
        Assert.Equal(HttpStatusCode.Created, (await sys.ClaimAsync(campaign, Mint.Token(campaign, "before-cancel", sys.Clock), instance)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sys.PostAdminAsync($"/api/admin/campaigns/{campaign}/cancel", new { })).StatusCode);

        var late = await sys.ClaimAsync(campaign, Mint.Token(campaign, "after-cancel", sys.Clock), instance);

        await Api.AssertProblemAsync(late, HttpStatusCode.Conflict, "/not-live");
        await using var conn = await sys.Db.OpenConnectionAsync();
        Assert.Equal(["before-cancel"], await conn.QueryAsync<string>("select user_id from claims where campaign_id = @campaign", new { campaign }));
        await InventoryAssert.BalancesAsync(conn, campaign);
        sys.Clock.Advance(TimeSpan.FromSeconds(2));
        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, Mint.Token(campaign, "after-cancel", sys.Clock), instance), HttpStatusCode.Conflict, "/not-live");
    }

    [Fact]
    public async Task Cancel_Twice_AnswersTheSameCampaign_AuditsOnce_UnknownIs404()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);

        var first = await (await sys.PostAdminAsync($"/api/admin/campaigns/{campaign}/cancel", new { })).JsonAsync();
        var second = await sys.PostAdminAsync($"/api/admin/campaigns/{campaign}/cancel", new { });

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(first["cancelledAt"]!.GetValue<DateTimeOffset>(), (await second.JsonAsync())["cancelledAt"]!.GetValue<DateTimeOffset>());
        var audit = await sys.GetAdminAsync($"/api/admin/audit?campaignId={campaign}");
        Assert.Single(audit.AsArray(), e => e!["action"]!.GetValue<string>() == "campaign.cancel");
        await Api.AssertProblemAsync(await sys.PostAdminAsync("/api/admin/campaigns/c_0000000000000000000000/cancel", new { }), HttpStatusCode.NotFound, "/not-found");
        await Api.AssertProblemAsync(await sys.PostAdminAsync($"/api/admin/campaigns/{campaign}/cancel", new { }, key: null), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Cancel_AfterTheEnd_Is409NotLive()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, durationSeconds: 60);
        sys.Clock.Advance(TimeSpan.FromSeconds(121));

        await Api.AssertProblemAsync(await sys.PostAdminAsync($"/api/admin/campaigns/{campaign}/cancel", new { }), HttpStatusCode.Conflict, "/not-live");
    }
}
