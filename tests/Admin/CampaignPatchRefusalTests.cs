using System.Net;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Admin;

/// <summary>What a PATCH of a campaign refuses, each with API.md's problem type, and that a refusal changes nothing.</summary>
[Collection(SystemCollection.Name)]
public sealed class CampaignPatchRefusalTests(FlashSaleSystem sys)
{
    /// <summary>A body breaking one rule ("{past}" becomes a time before the clock), and the one field the 400 must name.</summary>
    public static TheoryData<string, string> BadFields => new()
    {
        { """{"stock":"many"}""", "stock" },
        { """{"stock":2.5}""", "stock" },
        { """{"stock":0}""", "stock" },
        { """{"name":"  "}""", "name" },
        { """{"startsAt":"tomorrow"}""", "startsAt" },
        { """{"startsAt":"{past}"}""", "startsAt" },
        { """{"durationSeconds":5}""", "durationSeconds" },
        { """{"perUserLimit":2}""", "perUserLimit" },
        { """{"coupon":5}""", "coupon" },
        { """{"coupon":{"value":"x"}}""", "coupon.value" },
        { """{"coupon":{"value":150}}""", "coupon.value" },
        { """{"coupon":{"kind":"bogo"}}""", "coupon.kind" },
        { """{"coupon":{"colour":"red"}}""", "coupon.colour" },
        { """{"admission":null}""", "admission" },
        { """{"admission":{"ratePerSecond":0}}""", "admission.ratePerSecond" },
        { """{"admission":{"tokenTtlSeconds":1}}""", "admission.tokenTtlSeconds" },
        { """{"admission":{"positionExpirySeconds":10}}""", "admission.positionExpirySeconds" },
        { """{"admission":{"paused":true}}""", "admission.paused" },
        { """{"colour":"red"}""", "colour" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task Patch_BreakingOneRule_Is400WithThatFieldNamed_ChangesNothing(string body, string field)
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);

        var response = await sys.PatchCampaignAsync(campaign, body.Replace("{past}", sys.Clock.GetUtcNow().AddSeconds(-1).ToString("O")));

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest, "/validation");
        var errors = (await response.JsonAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"errors should name {field}: {errors.ToJsonString()}");
        Assert.Single(errors);
        var read = await sys.GetAdminAsync($"/api/admin/campaigns/{campaign}");
        Assert.Equal(("test campaign", 10), (read["name"]!.GetValue<string>(), read["stock"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Patch_SeveralBadFields_NamesEachOfThem()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);

        var response = await sys.PatchCampaignAsync(campaign, """{"stock":"x","coupon":{"value":"y"},"admission":{"maxActive":"z"},"colour":1}""");

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest, "/validation");
        var errors = (await response.JsonAsync())["errors"]!.AsObject();
        Assert.Equal(["admission.maxActive", "colour", "coupon.value", "stock"], errors.Select(e => e.Key).Order());
    }

    [Theory]
    [InlineData("{\"name\": ")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    public async Task Patch_NotAJsonObject_Is400Validation(string body)
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);

        await Api.AssertProblemAsync(await sys.PatchCampaignAsync(campaign, body), HttpStatusCode.BadRequest, "/validation");
    }

    [Fact]
    public async Task Patch_UnknownCampaign_Is404()
    {
        await Api.AssertProblemAsync(await sys.PatchCampaignAsync("c_0000000000000000000000", new { name = "x" }), HttpStatusCode.NotFound, "/not-found");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Patch_WithoutTheAdminKey_Is401_ChangesNothing(string? key)
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);

        await Api.AssertProblemAsync(await sys.PatchCampaignAsync(campaign, new { stock = 99 }, key), HttpStatusCode.Unauthorized, "/unauthenticated");
        Assert.Equal(10, (await sys.GetAdminAsync($"/api/admin/campaigns/{campaign}"))["stock"]!.GetValue<int>());
    }

    [Fact]
    public async Task Patch_AfterCancel_Is409NotLive_EvenForAdmission()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);
        Assert.Equal(HttpStatusCode.OK, (await sys.PostAdminAsync($"/api/admin/campaigns/{campaign}/cancel", new { })).StatusCode);

        await Api.AssertProblemAsync(await sys.PatchCampaignAsync(campaign, new { stock = 20 }), HttpStatusCode.Conflict, "/not-live");
        await Api.AssertProblemAsync(await sys.PatchCampaignAsync(campaign, new { admission = new { ratePerSecond = 5 } }), HttpStatusCode.Conflict, "/not-live");
    }

    [Fact]
    public async Task Patch_AfterTheEnd_Is409NotLive()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, durationSeconds: 60);
        sys.Clock.Advance(TimeSpan.FromSeconds(121));

        await Api.AssertProblemAsync(await sys.PatchCampaignAsync(campaign, new { admission = new { ratePerSecond = 5 } }), HttpStatusCode.Conflict, "/not-live");
    }
}
