using System.Net;
using System.Net.Http.Json;
using FlashSale.Tests.Infrastructure;
using Npgsql;

namespace FlashSale.Tests.Admin;

[Collection(SystemCollection.Name)]
public sealed class CampaignMetricsTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task Metrics_AfterClaimsARedemptionAndARelease_MatchTheRowsInPostgreSQL()
    {
        const int stock = 6;
        var campaign = await sys.CreateCampaignAsync(stock: stock);
        var sessions = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => sys.SessionAsync($"metrics-{campaign}-{i}")));
        foreach (var session in sessions)
        {
            await sys.JoinAsync(campaign, session);
        }
        await sys.StartAndAdmitAsync(campaign, sessions.Length);
        var codes = new List<string>();
        foreach (var session in sessions)
        {
            var claim = await sys.ClaimAsync(campaign, await sys.AdmissionTokenAsync(campaign, session));
            Assert.Equal(HttpStatusCode.Created, claim.StatusCode);
            codes.Add((await claim.JsonAsync())["couponCode"]!.GetValue<string>());
        }
        var redeem = new HttpRequestMessage(HttpMethod.Post, $"/api/coupons/{codes[0]}/redeem") { Content = JsonContent.Create(new { orderId = $"order-{campaign}", orderAmount = 50m }) };
        redeem.Headers.Add("X-Api-Key", FlashSaleSystem.CheckoutKey);
        Assert.Equal(HttpStatusCode.OK, (await sys.Edge.SendAsync(redeem)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sys.Edge.SendAsync(HttpMethod.Post, $"/api/coupons/{codes[1]}/release", sessions[1])).StatusCode);

        // The per-second claim counts reach Redis just after the commits answer; the clock stands still meanwhile.
        var metrics = await Poll.UntilAsync(
            () => sys.GetAdminAsync($"/api/admin/campaigns/{campaign}/metrics"), m => m["claimsPerSecond"]!.GetValue<double>() >= 0.4, TimeSpan.FromSeconds(2));

        // Claimed comes from the balance, the others from counts: both must agree with the rows themselves.
        await using var conn = await sys.Db.OpenConnectionAsync();
        await using var count = new NpgsqlCommand(
            """
            select count(*) filter (where status in ('claimed', 'redeemed')), count(*) filter (where status = 'redeemed'),
                   count(*) filter (where status = 'released')
            from claims where campaign_id = $1
            """, conn) { Parameters = { new() { Value = campaign } } };
        await using var rows = await count.ExecuteReaderAsync();
        Assert.True(await rows.ReadAsync());
        Assert.Equal((3L, 1L, 1L), (rows.GetInt64(0), rows.GetInt64(1), rows.GetInt64(2)));
        Assert.Equal(3, metrics["claimed"]!.GetValue<int>());
        Assert.Equal(1, metrics["redeemed"]!.GetValue<int>());
        Assert.Equal(1, metrics["released"]!.GetValue<int>());
        Assert.Equal(stock, metrics["claimed"]!.GetValue<int>() + metrics["available"]!.GetValue<int>() + metrics["leased"]!.GetValue<int>());
        // Four claims in the last ten seconds, the release notwithstanding: the rate counts claims made.
        Assert.Equal(0.4, metrics["claimsPerSecond"]!.GetValue<double>(), 6);
    }
}
