using System.Net;
using Dapper;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Claims;

[Collection(SystemCollection.Name)]
public sealed class ClaimStormTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task Storm_TenTimesOversubscribed_ExactlyStockWinnersEachWithOwnCoupon()
    {
        const int stock = 100, shoppers = 1000;
        var campaign = await sys.CreateCampaignAsync(stock, rate: 5000);
        var sessions = await Task.WhenAll(Enumerable.Range(0, shoppers).Select(i => sys.SessionAsync($"storm-{campaign}-{i}")));
        foreach (var chunk in sessions.Chunk(100))
        {
            await Task.WhenAll(chunk.Select(s => sys.JoinAsync(campaign, s)));
        }
        await sys.StartAndAdmitAsync(campaign, shoppers);
        var tokens = await Task.WhenAll(sessions.Select(s => sys.AdmissionTokenAsync(campaign, s)));

        using var client = sys.NewClient();
        var responses = await Task.WhenAll(tokens.Select(t => sys.ClaimAsync(campaign, t, client)));

        var histogram = string.Join(", ", responses.GroupBy(r => (int)r.StatusCode).Select(g => $"{g.Key}: {g.Count()}"));
        var winners = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        var losers = responses.Where(r => r.StatusCode == HttpStatusCode.Gone).ToList();
        Assert.True(winners.Count == stock && losers.Count == shoppers - stock, histogram);
        foreach (var loser in losers.Take(20))
        {
            await Api.AssertProblemAsync(loser, HttpStatusCode.Gone, "/sold-out");
        }
        var won = await Task.WhenAll(winners.Select(async r => await r.JsonAsync()));
        var codes = won.Select(w => w["couponCode"]!.GetValue<string>()).ToList();
        Assert.Equal(stock, codes.Distinct().Count());

        await using (var conn = await sys.Db.OpenConnectionAsync())
        {
            var rows = await conn.QueryAsync<string>("select coupon_code from claims where campaign_id = @campaign", new { campaign });
            Assert.Equal(codes.Order(), rows.Order());
            await InventoryAssert.BalancesAsync(conn, campaign);
        }

        // A winner asking again, after sell-out, gets its own coupon back with 200.
        var codeOf = won.ToDictionary(w => w["userId"]!.GetValue<string>(), w => w["couponCode"]!.GetValue<string>());
        var winnerTokens = tokens.Where((_, i) => responses[i].StatusCode == HttpStatusCode.Created).ToList();
        var again = await Task.WhenAll(winnerTokens.Select(t => sys.ClaimAsync(campaign, t, client)));
        foreach (var response in again)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.JsonAsync();
            Assert.Equal(codeOf[body["userId"]!.GetValue<string>()], body["couponCode"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Claim_SameUserConcurrently_OneRowAndEveryAnswerCarriesTheSameCoupon()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 10);
        var session = await sys.SessionAsync($"dup-{campaign}");
        await sys.JoinAsync(campaign, session);
        await sys.StartAndAdmitAsync(campaign, 1);
        var token = await sys.AdmissionTokenAsync(campaign, session);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => sys.ClaimAsync(campaign, token)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.OK }));
        var codes = await Task.WhenAll(responses.Select(async r => (await r.JsonAsync())["couponCode"]!.GetValue<string>()));
        Assert.Single(codes.Distinct());
        await using var conn = await sys.Db.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("select count(*) from claims where campaign_id = @campaign", new { campaign }));
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    [Fact]
    public async Task Claim_BeforeStart_Is409NotLive()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5, startsInSeconds: 600);
        var session = await sys.SessionAsync($"early-{campaign}");
        await sys.JoinAsync(campaign, session);
        // A token for this campaign, signed correctly, but the sale has not opened.
        var token = Mint.Token(campaign, $"early-{campaign}", sys.Clock);

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, token), HttpStatusCode.Conflict, "/not-live");
    }
}
