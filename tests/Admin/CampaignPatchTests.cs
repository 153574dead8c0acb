using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using FlashSale.Shared.Data;
using FlashSale.Shared.Redis;
using FlashSale.Tests.Claims;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Admin;

/// <summary>PATCH of a campaign: any setting before the start, admission settings only once live, each change audited and published.</summary>
[Collection(SystemCollection.Name)]
public sealed class CampaignPatchTests(FlashSaleSystem sys)
{
    /// <summary>A body, and the settings it must leave as "path=value" pairs (values the campaign was made with included).</summary>
    public static TheoryData<string, string> Settings => new()
    {
        { """{"name":"Renamed sale"}""", "name=Renamed sale;stock=10" },
        { """{"durationSeconds":600}""", "durationSeconds=600;name=test campaign" },
        { """{"perUserLimit":1,"challenge":"none"}""", "perUserLimit=1;durationSeconds=300" },
        { """{"coupon":{"kind":"amount","value":15}}""", "coupon.kind=amount;coupon.value=15" },
        { """{"coupon":{"maxDiscount":40,"holdSeconds":90}}""", "coupon.maxDiscount=40;coupon.holdSeconds=90;coupon.kind=percent;coupon.value=20" },
        {
            """{"admission":{"ratePerSecond":7,"maxActive":3,"tokenTtlSeconds":60,"positionExpirySeconds":300}}""",
            "admission.ratePerSecond=7;admission.maxActive=3;admission.tokenTtlSeconds=60;admission.positionExpirySeconds=300"
        },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public async Task Patch_BeforeStart_ChangesTheSetting_KeepsTheRest(string body, string expected)
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);

        var response = await sys.PatchCampaignAsync(campaign, body);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var answer = await response.JsonAsync();
        var read = await sys.GetAdminAsync($"/api/admin/campaigns/{campaign}");
        foreach (var (path, value) in expected.Split(';').Select(p => p.Split('=')).Select(p => (p[0], p[1])))
        {
            Assert.Equal(value, At(answer, path));
            Assert.Equal(value, At(read, path));
        }
        Assert.Equal("scheduled", read["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_BeforeStart_Stock_MovesAvailableWithIt_InventoryBalances_EdgeShowsIt()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);
        await using var conn = await sys.Db.OpenConnectionAsync();

        foreach (var stock in new[] { 25, 4 })
        {
            var response = await sys.PatchCampaignAsync(campaign, new { stock });

            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            Assert.Equal(stock, (await response.JsonAsync())["remaining"]!.GetValue<int>());
            var metrics = await sys.GetAdminAsync($"/api/admin/campaigns/{campaign}/metrics");
            Assert.Equal(stock, metrics["stock"]!.GetValue<int>());
            Assert.Equal(stock, metrics["available"]!.GetValue<int>());
            await InventoryAssert.BalancesAsync(conn, campaign);
            await sys.EventuallyAsync(async () => (await sys.Edge.GetFromJsonNodeAsync($"/api/campaigns/{campaign}"))["stock"]!.GetValue<int>() == stock);
        }
    }

    [Fact]
    public async Task Patch_Stock_BelowTheUnitsOutOfThePool_Is400_ChangesNothing()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);
        await using var conn = await sys.Db.OpenConnectionAsync();
        // Six units in a lease, as a ClaimApi instance takes them; its heartbeat is ahead so no reconciler reclaims it mid-test.
        var lease = await conn.ExecuteScalarAsync<long>(
            """
            with c as (update campaigns set available = available - 6 where id = @campaign returning id)
            insert into leases (campaign_id, instance_id, granted, granted_at, heartbeat_at)
            select id, 'patch-test', 6, now(), now() + interval '1 hour' from c returning id
            """,
            new { campaign });

        var refused = await sys.PatchCampaignAsync(campaign, new { stock = 5 });
        var lowest = await sys.PatchCampaignAsync(campaign, new { stock = 6 });

        await Api.AssertProblemAsync(refused, HttpStatusCode.BadRequest, "/validation");
        Assert.True((await refused.JsonAsync())["errors"]!.AsObject().ContainsKey("stock"));
        Assert.Equal(HttpStatusCode.OK, lowest.StatusCode);
        var metrics = await sys.GetAdminAsync($"/api/admin/campaigns/{campaign}/metrics");
        Assert.Equal((6, 0, 6), (metrics["stock"]!.GetValue<int>(), metrics["available"]!.GetValue<int>(), metrics["leased"]!.GetValue<int>()));
        await InventoryAssert.BalancesAsync(conn, campaign);
        await conn.ExecuteAsync(
            """
            with l as (update leases set returned = granted, closed_at = now() where id = @lease returning campaign_id, granted)
            update campaigns c set available = c.available + l.granted from l where c.id = l.campaign_id
            """,
            new { lease });
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    [Fact]
    public async Task Patch_BeforeStart_StartsAt_MovesTheWindowAndTheCursorStart()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, durationSeconds: 300);
        var startsAt = sys.Clock.GetUtcNow().AddSeconds(600);

        var response = await sys.PatchCampaignAsync(campaign, new { startsAt });

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var expected = startsAt.ToMicroseconds();
        foreach (var view in new[] { await response.JsonAsync(), await sys.GetAdminAsync($"/api/admin/campaigns/{campaign}") })
        {
            Assert.Equal(expected, view["startsAt"]!.GetValue<DateTimeOffset>());
            Assert.Equal(expected.AddSeconds(300), view["endsAt"]!.GetValue<DateTimeOffset>());
        }
        var startMs = await sys.Redis.GetDatabase().HashGetAsync(RedisKeys.Admission(campaign), "startMs");
        Assert.Equal(expected.ToUnixTimeMilliseconds(), (long)startMs);
        await sys.EventuallyAsync(async () =>
            (await sys.Edge.GetFromJsonNodeAsync($"/api/campaigns/{campaign}"))["startsAt"]!.GetValue<DateTimeOffset>() == expected);

        // Past the old start the campaign waits for the new one, and so still takes any setting.
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        var renamed = await sys.PatchCampaignAsync(campaign, new { name = "Later sale" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("scheduled", (await renamed.JsonAsync())["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_Null_TakesAnOptionalSettingOut_ResetsADefault_RefusesARequiredOne()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, admission: new { ratePerSecond = 50, maxActive = 5, tokenTtlSeconds = 30 });

        var cleared = await sys.PatchCampaignAsync(campaign, """{"admission":{"maxActive":null,"tokenTtlSeconds":null}}""");
        var required = await sys.PatchCampaignAsync(campaign, """{"name":null}""");

        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        var admission = (await cleared.JsonAsync())["admission"]!;
        Assert.Null(admission["maxActive"]);
        Assert.Equal(120, admission["tokenTtlSeconds"]!.GetValue<int>());
        Assert.Equal(50, admission["ratePerSecond"]!.GetValue<int>());
        await Api.AssertProblemAsync(required, HttpStatusCode.BadRequest, "/validation");
        Assert.True((await required.JsonAsync())["errors"]!.AsObject().ContainsKey("name"));
    }

    [Fact]
    public async Task Patch_Live_RefusesEachNonAdmissionField_400_ChangesNothing()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 40);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));

        var response = await sys.PatchCampaignAsync(campaign, new
        {
            name = "Renamed",
            stock = 20,
            startsAt = sys.Clock.GetUtcNow().AddMinutes(5),
            coupon = new { value = 30 },
            admission = new { ratePerSecond = 5 },
        });

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest, "/validation");
        var errors = (await response.JsonAsync())["errors"]!.AsObject();
        Assert.Equal(["coupon.value", "name", "startsAt", "stock"], errors.Select(e => e.Key).Order());
        Assert.All(errors, e => Assert.Contains("before the start", e.Value![0]!.GetValue<string>()));
        var read = await sys.GetAdminAsync($"/api/admin/campaigns/{campaign}");
        Assert.Equal(("test campaign", 10, 40), (read["name"]!.GetValue<string>(), read["stock"]!.GetValue<int>(), read["admission"]!["ratePerSecond"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Patch_Live_AdmissionSettings_ApplyToTheCursor_KeepThePause()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 40);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        await sys.SetAdmissionAsync(campaign, new { ratePerSecond = 40, paused = true });

        var response = await sys.PatchCampaignAsync(campaign, new
        {
            admission = new { ratePerSecond = 5, maxActive = 2, tokenTtlSeconds = 30, positionExpirySeconds = 90 },
        });

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var answer = await response.JsonAsync();
        Assert.Equal("live", answer["state"]!.GetValue<string>());
        Assert.True(answer["admission"]!["paused"]!.GetValue<bool>());
        var cursor = (await sys.Redis.GetDatabase().HashGetAllAsync(RedisKeys.Admission(campaign))).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal(("5", "2", "30", "90000", "1"), (cursor["rate"], cursor["maxActive"], cursor["ttl"], cursor["expiry"], cursor["paused"]));
    }

    [Fact]
    public async Task Patch_IsAuditedWithBeforeAndAfter_ASecondIdenticalOneIsNot()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10, rate: 1000);
        const string Body = """{"stock":30,"admission":{"ratePerSecond":9}}""";

        // A merge patch may say so in its media type (RFC 7396).
        var first = await sys.PatchCampaignAsync(campaign, Body, mediaType: "application/merge-patch+json");
        var again = await sys.PatchCampaignAsync(campaign, Body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var audit = (await sys.GetAdminAsync($"/api/admin/audit?campaignId={campaign}")).AsArray();
        var entry = Assert.Single(audit, e => e!["action"]!.GetValue<string>() == "campaign.update")!;
        Assert.Equal("admin", entry["actor"]!.GetValue<string>());
        var expected = JsonNode.Parse("""{"before":{"stock":10,"admission":{"ratePerSecond":1000}},"after":{"stock":30,"admission":{"ratePerSecond":9}}}""");
        Assert.True(JsonNode.DeepEquals(expected, entry["details"]), entry["details"]!.ToJsonString());
    }

    /// <summary>The value at a dotted path, as text; numbers without trailing zeros, so 20.00 from the database reads as 20.</summary>
    private static string At(JsonNode node, string path)
    {
        JsonNode? at = node;
        foreach (var name in path.Split('.'))
        {
            at = at?[name];
        }
        return at?.GetValueKind() switch
        {
            null => "null",
            JsonValueKind.Number => at.GetValue<double>().ToString(CultureInfo.InvariantCulture),
            JsonValueKind.String => at.GetValue<string>(),
            _ => at.ToJsonString(),
        };
    }
}
