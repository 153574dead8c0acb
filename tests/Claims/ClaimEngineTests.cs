using System.Net;
using System.Net.Http.Json;
using Dapper;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Claims;

[Collection(SystemCollection.Name)]
public sealed class ClaimEngineTests(FlashSaleSystem sys)
{
    private async Task<string> LiveCampaignAsync(int stock, object? coupon = null, int durationSeconds = 300)
    {
        var campaign = await sys.CreateCampaignAsync(stock, coupon: coupon, durationSeconds: durationSeconds);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        return campaign;
    }

    [Fact]
    public async Task Storm_HundredTimesOversubscribed_AcrossThreeInstances_ExactlyStock()
    {
        const int stock = 25, shoppers = 2500;
        var campaign = await LiveCampaignAsync(stock);
        var tokens = Enumerable.Range(0, shoppers).Select(i => Mint.Token(campaign, $"u{i}", sys.Clock)).ToArray();

        using var client = sys.NewClient();
        var responses = await Task.WhenAll(tokens.Select(t => sys.ClaimAsync(campaign, t, client)));

        var statuses = responses.GroupBy(r => r.StatusCode).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(stock, statuses.GetValueOrDefault(HttpStatusCode.Created));
        Assert.Equal(shoppers - stock, statuses.GetValueOrDefault(HttpStatusCode.Gone));
        var won = await Task.WhenAll(responses.Where(r => r.StatusCode == HttpStatusCode.Created).Select(r => r.JsonAsync()));
        await using var conn = await sys.Db.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string User, string Code, long Lease)>(
            "select user_id, coupon_code, lease_id from claims where campaign_id = @campaign", new { campaign })).ToList();
        Assert.Equal(stock, rows.Count);
        Assert.Equal(stock, rows.Select(r => r.User).Distinct().Count());
        Assert.Equal(won.Select(w => w["couponCode"]!.GetValue<string>()).Order(), rows.Select(r => r.Code).Order());
        // Every claim row names a lease of this campaign, and no lease was overdrawn.
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            "select count(*) from claims c left join leases l on l.id = c.lease_id and l.campaign_id = c.campaign_id where c.campaign_id = @campaign and l.id is null",
            new { campaign }));
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    [Fact]
    public async Task SoldOut_IsAnnouncedToTheEdge_AndJoinsAreRefused()
    {
        var campaign = await LiveCampaignAsync(stock: 2);
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => sys.ClaimAsync(campaign, Mint.Token(campaign, $"s{i}", sys.Clock))));
        Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.Created));

        var state = await Poll.UntilAsync(
            async () => (await (await sys.Edge.GetAsync($"/api/campaigns/{campaign}")).JsonAsync())["state"]!.GetValue<string>(), s => s == "soldout", TimeSpan.FromSeconds(5));
        Assert.Equal("soldout", state);
        var late = await sys.Edge.SendAsync(HttpMethod.Post, $"/api/campaigns/{campaign}/queue", await sys.SessionAsync($"late-{campaign}"));
        await Api.AssertProblemAsync(late, HttpStatusCode.Gone, "/sold-out");
    }

    [Fact]
    public async Task Release_ByOwner_ReturnsTheUnit_AndAnotherShopperGetsIt()
    {
        var campaign = await LiveCampaignAsync(stock: 1);
        var owner = $"owner-{campaign}";
        var first = await sys.ClaimAsync(campaign, Mint.Token(campaign, owner, sys.Clock));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var code = (await first.JsonAsync())["couponCode"]!.GetValue<string>();
        var other = Mint.Token(campaign, $"other-{campaign}", sys.Clock);
        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, other), HttpStatusCode.Gone, "/sold-out");

        var stranger = await sys.Edge.SendAsync(HttpMethod.Post, $"/api/coupons/{code}/release", await sys.SessionAsync($"stranger-{campaign}"));
        await Api.AssertProblemAsync(stranger, HttpStatusCode.Forbidden, "/forbidden");
        var released = await sys.Edge.SendAsync(HttpMethod.Post, $"/api/coupons/{code}/release", await sys.SessionAsync(owner));
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);

        var second = await RetryUntilAsync(() => sys.ClaimAsync(campaign, other), r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        await using var conn = await sys.Db.OpenConnectionAsync();
        Assert.Equal("released", await conn.ExecuteScalarAsync<string>("select status from claims where coupon_code = @code", new { code }));
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    [Fact]
    public async Task ClaimsRacingARelease_NeverHandOutMoreThanStock()
    {
        var campaign = await LiveCampaignAsync(stock: 1);
        var owner = $"racer-{campaign}";
        var code = (await (await sys.ClaimAsync(campaign, Mint.Token(campaign, owner, sys.Clock))).JsonAsync())["couponCode"]!.GetValue<string>();
        var others = Enumerable.Range(0, 30).Select(i => Mint.Token(campaign, $"r{i}-{campaign}", sys.Clock)).ToList();
        var session = await sys.SessionAsync(owner);

        var release = sys.Edge.SendAsync(HttpMethod.Post, $"/api/coupons/{code}/release", session);
        var claims = others.Select(t => sys.ClaimAsync(campaign, t)).ToList();
        var answers = await Task.WhenAll(claims);
        Assert.Equal(HttpStatusCode.OK, (await release).StatusCode);

        // Whoever lost the race to a sold-out answer tries again once the unit is back.
        var winners = answers.Count(c => c.StatusCode == HttpStatusCode.Created);
        if (winners == 0)
        {
            var retried = await RetryUntilAsync(
                async () => (await Task.WhenAll(others.Select(t => sys.ClaimAsync(campaign, t)))).FirstOrDefault(r => r.StatusCode == HttpStatusCode.Created)
                    ?? new HttpResponseMessage(HttpStatusCode.Gone),
                r => r.StatusCode == HttpStatusCode.Created);
            Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        }
        else
        {
            Assert.Equal(1, winners);
        }
        await using var conn = await sys.Db.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>(
            "select count(*) from claims where campaign_id = @campaign and status in ('claimed', 'redeemed')", new { campaign }));
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    [Fact]
    public async Task ClaimsRacingTheEndOfTheWindow_AreEitherCommittedOrNotLive()
    {
        var campaign = await LiveCampaignAsync(stock: 1000, durationSeconds: 60);
        var tokens = Enumerable.Range(0, 300).Select(i => Mint.Token(campaign, $"e{i}", sys.Clock, ttlSeconds: 600)).ToList();

        var claims = tokens.Select(async (t, i) =>
        {
            if (i == 150)
            {
                sys.Clock.Advance(TimeSpan.FromSeconds(60));
            }
            return await sys.ClaimAsync(campaign, t);
        }).ToList();
        var responses = await Task.WhenAll(claims);

        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        foreach (var late in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict).Take(5))
        {
            await Api.AssertProblemAsync(late, HttpStatusCode.Conflict, "/not-live");
        }
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Conflict);
        await using var conn = await sys.Db.OpenConnectionAsync();
        var (count, lateRows) = await conn.QuerySingleAsync<(int, int)>(
            """
            select count(*)::int, count(*) filter (where cl.claimed_at >= c.ends_at)::int
            from claims cl join campaigns c on c.id = cl.campaign_id where cl.campaign_id = @campaign
            """,
            new { campaign });
        Assert.Equal(responses.Count(r => r.StatusCode == HttpStatusCode.Created), count);
        Assert.Equal(0, lateRows);
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    [Fact]
    public async Task Hold_Lapses_UnitReturnsToStock_AndTheCouponCannotBeRedeemed()
    {
        var campaign = await LiveCampaignAsync(stock: 1, coupon: new { kind = "amount", value = 5, holdSeconds = 30 });
        var holder = await sys.ClaimAsync(campaign, Mint.Token(campaign, $"holder-{campaign}", sys.Clock));
        var held = await holder.JsonAsync();
        var code = held["couponCode"]!.GetValue<string>();
        Assert.Equal(sys.Clock.GetUtcNow().AddSeconds(30), held["expiresAt"]!.GetValue<DateTimeOffset>(), TimeSpan.FromMilliseconds(1));
        var waiting = Mint.Token(campaign, $"waiting-{campaign}", sys.Clock);
        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, waiting), HttpStatusCode.Gone, "/sold-out");

        sys.Clock.Advance(TimeSpan.FromSeconds(31));

        var second = await RetryUntilAsync(() => sys.ClaimAsync(campaign, waiting), r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var redeem = new HttpRequestMessage(HttpMethod.Post, $"/api/coupons/{code}/redeem") { Content = JsonContent.Create(new { orderId = "o1", orderAmount = 50m }) };
        redeem.Headers.Add("X-Api-Key", FlashSaleSystem.CheckoutKey);
        await Api.AssertProblemAsync(await sys.Edge.SendAsync(redeem), HttpStatusCode.Gone, "/expired");
        await using var conn = await sys.Db.OpenConnectionAsync();
        Assert.Equal("expired", await conn.ExecuteScalarAsync<string>("select status from claims where coupon_code = @code", new { code }));
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    /// <summary>Retries in real time: units that come back reach a sold-out instance on its next check (sub-second).</summary>
    private static Task<HttpResponseMessage> RetryUntilAsync(Func<Task<HttpResponseMessage>> call, Func<HttpResponseMessage, bool> done) =>
        Poll.UntilAsync(call, done, everyMilliseconds: 100);
}
