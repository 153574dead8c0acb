using System.Net;
using System.Text;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Admin;

[Collection(SystemCollection.Name)]
public sealed class CampaignValidationTests(FlashSaleSystem sys)
{
    private Dictionary<string, object?> Valid() => new()
    {
        ["name"] = "Black Friday",
        ["startsAt"] = sys.Clock.GetUtcNow().AddMinutes(5),
        ["durationSeconds"] = 300,
        ["stock"] = 100,
        ["coupon"] = new Dictionary<string, object?> { ["kind"] = "percent", ["value"] = 20 },
        ["admission"] = new Dictionary<string, object?> { ["ratePerSecond"] = 100 },
    };

    public static TheoryData<string, string> Rules => new()
    {
        { "name", "missing" },
        { "name", "blank" },
        { "startsAt", "missing" },
        { "startsAt", "past" },
        { "durationSeconds", "too-short" },
        { "stock", "missing" },
        { "stock", "zero" },
        { "perUserLimit", "two" },
        { "coupon", "missing" },
        { "coupon.kind", "unknown" },
        { "coupon.value", "zero" },
        { "coupon.value", "percent-over-100" },
        { "coupon.holdSeconds", "zero" },
        { "admission", "missing" },
        { "admission.ratePerSecond", "zero" },
        { "admission.ratePerSecond", "missing" },
        { "admission.tokenTtlSeconds", "too-short" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task Create_BreakingOneRule_Is400WithThatFieldNamed(string field, string breach)
    {
        var body = Valid();
        var coupon = (Dictionary<string, object?>)body["coupon"]!;
        var admission = (Dictionary<string, object?>)body["admission"]!;
        switch ((field, breach))
        {
            case ("name", "missing"): body.Remove("name"); break;
            case ("name", "blank"): body["name"] = "   "; break;
            case ("startsAt", "missing"): body.Remove("startsAt"); break;
            case ("startsAt", "past"): body["startsAt"] = sys.Clock.GetUtcNow().AddSeconds(-1); break;
            case ("durationSeconds", _): body["durationSeconds"] = 5; break;
            case ("stock", "missing"): body.Remove("stock"); break;
            case ("stock", "zero"): body["stock"] = 0; break;
            case ("perUserLimit", _): body["perUserLimit"] = 2; break;
            case ("coupon", _): body.Remove("coupon"); break;
            case ("coupon.kind", _): coupon["kind"] = "bogo"; break;
            case ("coupon.value", "zero"): coupon["value"] = 0; break;
            case ("coupon.value", _): coupon["value"] = 150; break;
            case ("coupon.holdSeconds", _): coupon["holdSeconds"] = 0; break;
            case ("admission", _): body.Remove("admission"); break;
            case ("admission.ratePerSecond", "zero"): admission["ratePerSecond"] = 0; break;
            case ("admission.ratePerSecond", _): admission.Remove("ratePerSecond"); break;
            case ("admission.tokenTtlSeconds", _): admission["tokenTtlSeconds"] = 1; break;
        }

        var response = await sys.PostAdminAsync("/api/admin/campaigns", body);

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest, "/validation");
        var errors = (await response.JsonAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"errors should name {field}: {errors.ToJsonString()}");
        Assert.Single(errors);
    }

    [Fact]
    public async Task Create_Valid_Is201AndReadableBack()
    {
        var response = await sys.PostAdminAsync("/api/admin/campaigns", Valid());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.JsonAsync())["id"]!.GetValue<string>();

        var read = await sys.GetAdminAsync($"/api/admin/campaigns/{id}");
        Assert.Equal("scheduled", read["state"]!.GetValue<string>());
        Assert.Equal(100, read["stock"]!.GetValue<int>());
        Assert.Equal(1, read["perUserLimit"]!.GetValue<int>());
        var list = (await sys.GetAdminAsync("/api/admin/campaigns")).AsArray();
        Assert.Contains(list, c => c!["id"]!.GetValue<string>() == id);
        var metrics = await sys.GetAdminAsync($"/api/admin/campaigns/{id}/metrics");
        Assert.Equal(100, metrics["available"]!.GetValue<int>());
        Assert.Equal(0, metrics["claimed"]!.GetValue<int>());
        Assert.Equal(0, metrics["queueLength"]!.GetValue<long>());
    }

    [Fact]
    public async Task List_AndGet_AnswerTheSameRemaining_ClaimedUnitsOut_LeasedOnesIn()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await sys.ClaimAsync(campaign, Mint.Token(campaign, $"remaining-{i}", sys.Clock))).StatusCode);
        }

        var listed = (await sys.GetAdminAsync("/api/admin/campaigns")).AsArray().Single(c => c!["id"]!.GetValue<string>() == campaign)!;
        var read = await sys.GetAdminAsync($"/api/admin/campaigns/{campaign}");

        Assert.Equal(7, listed["remaining"]!.GetValue<int>());
        Assert.Equal(7, read["remaining"]!.GetValue<int>());
    }

    [Fact]
    public async Task Create_MalformedJson_Is400Validation()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/campaigns") { Content = new StringContent("{\"name\": ", Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", FlashSaleSystem.AdminKey);
        await Api.AssertProblemAsync(await sys.Edge.SendAsync(request), HttpStatusCode.BadRequest, "/validation");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Create_WithoutTheAdminKey_Is401(string? key)
    {
        await Api.AssertProblemAsync(await sys.PostAdminAsync("/api/admin/campaigns", Valid(), key), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Get_UnknownCampaign_Is404_OnAdminAndPublicApis()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/campaigns/c_nope");
        request.Headers.Add("X-Api-Key", FlashSaleSystem.AdminKey);
        await Api.AssertProblemAsync(await sys.Edge.SendAsync(request), HttpStatusCode.NotFound, "/not-found");
        await Api.AssertProblemAsync(await sys.Edge.GetAsync("/api/campaigns/c_nope"), HttpStatusCode.NotFound, "/not-found");
        await Api.AssertProblemAsync(await sys.Edge.GetAsync("/api/campaigns/bad%20id!"), HttpStatusCode.NotFound, "/not-found");
    }

    [Fact]
    public async Task PublicCampaign_ShowsServerTimeStateAndStock()
    {
        var id = await sys.CreateCampaignAsync(stock: 42);
        var view = await (await sys.Edge.GetAsync($"/api/campaigns/{id}")).JsonAsync();
        Assert.Equal("scheduled", view["state"]!.GetValue<string>());
        Assert.Equal(42, view["remaining"]!.GetValue<int>());
        Assert.Equal(sys.Clock.GetUtcNow(), view["serverTime"]!.GetValue<DateTimeOffset>());
    }
}
