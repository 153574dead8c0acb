using System.Net;
using System.Net.Http.Json;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Coupons;

[Collection(SystemCollection.Name)]
public sealed class RedeemTests(FlashSaleSystem sys)
{
    private async Task<string> ClaimedCouponAsync(object? coupon = null)
    {
        var campaign = await sys.CreateCampaignAsync(stock: 3, coupon: coupon ?? new { kind = "percent", value = 20, maxDiscount = 30 });
        var session = await sys.SessionAsync($"buyer-{campaign}");
        await sys.JoinAsync(campaign, session);
        await sys.StartAndAdmitAsync(campaign, 1);
        var response = await sys.ClaimAsync(campaign, await sys.AdmissionTokenAsync(campaign, session));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync())["couponCode"]!.GetValue<string>();
    }

    private Task<HttpResponseMessage> CheckoutAsync(string path, object body, string key = FlashSaleSystem.CheckoutKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Api-Key", key);
        return sys.Edge.SendAsync(request);
    }

    [Fact]
    public async Task Redeem_SameOrderTwice_SameAnswer_AnotherOrder_409()
    {
        var code = await ClaimedCouponAsync();

        var first = await CheckoutAsync($"/api/coupons/{code}/redeem", new { orderId = "order-1", orderAmount = 100m });
        var again = await CheckoutAsync($"/api/coupons/{code}/redeem", new { orderId = "order-1", orderAmount = 100m });
        var other = await CheckoutAsync($"/api/coupons/{code}/redeem", new { orderId = "order-2", orderAmount = 100m });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var a = await first.JsonAsync();
        var b = await again.JsonAsync();
        Assert.Equal("redeemed", a["status"]!.GetValue<string>());
        Assert.Equal(20m, a["discountAmount"]!.GetValue<decimal>());
        Assert.Equal(a.ToJsonString(), b.ToJsonString());
        await Api.AssertProblemAsync(other, HttpStatusCode.Conflict, "/already-redeemed");
    }

    [Fact]
    public async Task Redeem_ConcurrentOrders_ExactlyOneWins()
    {
        var code = await ClaimedCouponAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            CheckoutAsync($"/api/coupons/{code}/redeem", new { orderId = $"order-{i}", orderAmount = 50m })));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(9, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Validate_AppliesTheCapAndMinimum_Void_UndoesTheRedemption()
    {
        var code = await ClaimedCouponAsync(new { kind = "percent", value = 20, maxDiscount = 30, minOrderAmount = 40 });

        var capped = await (await CheckoutAsync($"/api/coupons/{code}/validate", new { orderId = "o", orderAmount = 500m })).JsonAsync();
        Assert.True(capped["valid"]!.GetValue<bool>());
        Assert.Equal(30m, capped["discountAmount"]!.GetValue<decimal>());
        var tooSmall = await (await CheckoutAsync($"/api/coupons/{code}/validate", new { orderId = "o", orderAmount = 10m })).JsonAsync();
        Assert.False(tooSmall["valid"]!.GetValue<bool>());

        Assert.Equal(HttpStatusCode.OK, (await CheckoutAsync($"/api/coupons/{code}/redeem", new { orderId = "A", orderAmount = 100m })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CheckoutAsync($"/api/coupons/{code}/void", new { orderId = "A" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CheckoutAsync($"/api/coupons/{code}/redeem", new { orderId = "B", orderAmount = 100m })).StatusCode);
    }

    [Fact]
    public async Task Redeem_UnknownCode_404_BadKey_401_BadBody_400()
    {
        var code = await ClaimedCouponAsync();
        await Api.AssertProblemAsync(await CheckoutAsync("/api/coupons/AAAAA-AAAAA-AAAAA-AAAAA/redeem", new { orderId = "o", orderAmount = 1m }), HttpStatusCode.NotFound, "/not-found");
        await Api.AssertProblemAsync(await CheckoutAsync($"/api/coupons/{code}/redeem", new { orderId = "o", orderAmount = 1m }, "nope-nope"), HttpStatusCode.Unauthorized, "/unauthenticated");
        await Api.AssertProblemAsync(await CheckoutAsync($"/api/coupons/{code}/redeem", new { orderAmount = -1m }), HttpStatusCode.BadRequest, "/validation");
    }

    [Fact]
    public async Task Redeem_AfterValidity_410Expired()
    {
        var code = await ClaimedCouponAsync(new { kind = "amount", value = 5, validForSeconds = 60 });
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        await Api.AssertProblemAsync(await CheckoutAsync($"/api/coupons/{code}/redeem", new { orderId = "late", orderAmount = 20m }), HttpStatusCode.Gone, "/expired");
    }
}
