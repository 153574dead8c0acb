using System.Net;
using System.Net.Sockets;
using FlashSale.Tests.Infrastructure;
using FlashSale.WaitingRoom;
using FlashSale.WaitingRoom.RateLimits;
using Microsoft.AspNetCore.Builder;

namespace FlashSale.Tests.RateLimits;

/// <summary>
/// One client address gets its burst, then 429 <c>/rate-limited</c> with <c>Retry-After</c>, on the edge's own routes and
/// on the ones it proxies; other addresses, exempt addresses and health probes are not held back by it. Clients are
/// told apart by binding their sockets to different loopback addresses (all of 127.0.0.0/8 reaches the edge).
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ShopperRateLimitTests(FlashSaleSystem sys)
{
    private const int Burst = 5;

    /// <summary>An edge that lets an address send <see cref="Burst"/> at once and one a second after; 127.0.0.2 exempt.</summary>
    private async Task<WebApplication> LimitedEdgeAsync(params string[] more)
    {
        var edge = sys.NewEdge([
            "--WaitingRoom:RateLimits:PerAddressPerSecond=1",
            $"--WaitingRoom:RateLimits:PerAddressBurst={Burst}",
            // Replaces the Development exemption of the loopback addresses, which the rest of the suite relies on.
            "--WaitingRoom:RateLimits:ExemptAddresses:0=127.0.0.2",
            "--WaitingRoom:RateLimits:ExemptAddresses:1=192.0.2.1",
            .. more]);
        await sys.StartAsync(edge);
        return edge;
    }

    private static HttpClient From(string source, WebApplication edge) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { BaseAddress = FlashSaleSystem.UrlOf(edge) };

    private static async Task<List<HttpResponseMessage>> SendAsync(HttpClient client, int count, Func<HttpRequestMessage> request)
    {
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < count; i++)
        {
            answers.Add(await client.SendAsync(request()));
        }
        return answers;
    }

    private static HttpRequestMessage CampaignRead() => new(HttpMethod.Get, "api/campaigns/c_nosuchcampaign");

    [Fact]
    public async Task AnAddressOverItsBurst_Gets429ProblemWithRetryAfter_AndAfterThatWaitOneMore()
    {
        var edge = await LimitedEdgeAsync();
        using var client = From("127.0.0.1", edge);

        var answers = await SendAsync(client, Burst + 3, CampaignRead);

        Assert.All(answers.Take(Burst), a => Assert.Equal(HttpStatusCode.NotFound, a.StatusCode));
        var refused = answers.Skip(Burst).ToList();
        Assert.All(refused, a => Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode));
        await Api.AssertProblemAsync(refused[0], HttpStatusCode.TooManyRequests, "rate-limited");
        var wait = refused[0].Headers.RetryAfter?.Delta;
        Assert.NotNull(wait);
        Assert.InRange(wait.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        sys.Clock.Advance(wait.Value);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(CampaignRead())).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(CampaignRead())).StatusCode);
    }

    [Fact]
    public async Task ALimitedAddress_IsRefusedOnShopperRoutes_WhileItsServiceCallsOtherAddressesExemptOnesAndProbesAreServed()
    {
        var edge = await LimitedEdgeAsync();
        using var flooder = From("127.0.0.1", edge);
        using var neighbour = From("127.0.0.3", edge);
        using var exempt = From("127.0.0.2", edge);
        await SendAsync(flooder, Burst, CampaignRead);

        var claim = await flooder.PostAsync("api/campaigns/c_nosuchcampaign/claims", null);
        await Api.AssertProblemAsync(claim, HttpStatusCode.TooManyRequests, "rate-limited");
        var join = await flooder.PostAsync("api/campaigns/c_nosuchcampaign/queue", null);
        await Api.AssertProblemAsync(join, HttpStatusCode.TooManyRequests, "rate-limited");
        var release = await flooder.PostAsync("api/coupons/NOSUCHCODE/release", null);
        await Api.AssertProblemAsync(release, HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Equal(HttpStatusCode.OK, (await flooder.GetAsync("healthz")).StatusCode);
        // Checkout's and the marketers' calls are their services' to authenticate, not the shoppers' limit to spend.
        var checkout = await flooder.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/coupons/NOSUCHCODE") { Headers = { { "X-Api-Key", FlashSaleSystem.CheckoutKey } } });
        Assert.Equal(HttpStatusCode.NotFound, checkout.StatusCode);
        var admin = await flooder.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/admin/campaigns") { Headers = { { "X-Api-Key", FlashSaleSystem.AdminKey } } });
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await neighbour.SendAsync(CampaignRead())).StatusCode);
        var exempted = await SendAsync(exempt, Burst * 4, CampaignRead);
        Assert.All(exempted, a => Assert.Equal(HttpStatusCode.NotFound, a.StatusCode));
    }

    [Fact]
    public void ClientKey_CountsIpv4MappedAsIpv4_AndIpv6ByItsSlash64()
    {
        static UInt128 Key(string address) => ShopperRateLimiter.ClientKey(IPAddress.Parse(address));

        Assert.Equal(Key("203.0.113.7"), Key("::ffff:203.0.113.7"));
        Assert.NotEqual(Key("203.0.113.7"), Key("203.0.113.8"));
        Assert.Equal(Key("2001:db8:1:2:aaaa::1"), Key("2001:db8:1:2:bbbb:cccc:dddd:eeee"));
        Assert.Equal(Key("2001:db8:1:2::"), Key("2001:db8:1:2:aaaa::1"));
        Assert.NotEqual(Key("2001:db8:1:2::1"), Key("2001:db8:1:3::1"));
        Assert.NotEqual(Key("0.0.0.0"), Key("::"));
    }

    [Fact]
    public async Task OneCredentialOverItsBurst_Gets429_WhileAnotherFromTheSameAddressIsServed()
    {
        var edge = await LimitedEdgeAsync(
            "--WaitingRoom:RateLimits:PerAddressPerSecond=1000", "--WaitingRoom:RateLimits:PerAddressBurst=1000",
            "--WaitingRoom:RateLimits:PerSessionPerSecond=1", "--WaitingRoom:RateLimits:PerSessionBurst=3");
        using var client = From("127.0.0.1", edge);
        var hammering = await sys.SessionAsync($"hammer-{Guid.NewGuid():N}");
        var calm = await sys.SessionAsync($"calm-{Guid.NewGuid():N}");
        HttpRequestMessage Poll(string session) =>
            new(HttpMethod.Get, "api/campaigns/c_nosuchcampaign/queue") { Headers = { { "Authorization", $"Bearer {session}" } } };

        var answers = await SendAsync(client, 5, () => Poll(hammering));

        Assert.All(answers.Take(3), a => Assert.Equal(HttpStatusCode.NotFound, a.StatusCode));
        await Api.AssertProblemAsync(answers[3], HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(Poll(calm))).StatusCode);
        sys.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(Poll(hammering))).StatusCode);
    }

    [Fact]
    public void CredentialKey_IsTheTokensSignature_AndNoneWithoutABearerToken()
    {
        const string Token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlLW9mLWEtdG9rZW4tMzItYnl0ZXMtbG9uZw";
        const string Other = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.b3RoZXItc2lnbmF0dXJlLW9mLWEtdG9rZW4tMzItYnl0ZXM";

        Assert.NotNull(ShopperRateLimiter.CredentialKey($"Bearer {Token}"));
        Assert.Equal(ShopperRateLimiter.CredentialKey($"Bearer {Token}"), ShopperRateLimiter.CredentialKey($"bearer  {Token} "));
        Assert.NotEqual(ShopperRateLimiter.CredentialKey($"Bearer {Token}"), ShopperRateLimiter.CredentialKey($"Bearer {Other}"));
        Assert.Null(ShopperRateLimiter.CredentialKey(null));
        Assert.Null(ShopperRateLimiter.CredentialKey($"Basic {Token}"));
        Assert.Null(ShopperRateLimiter.CredentialKey("Bearer not-a-token"));
        Assert.Null(ShopperRateLimiter.CredentialKey("Bearer a.b.short"));
    }

    [Theory]
    [InlineData("/api/campaigns/c_1/queue", true)]
    [InlineData("/api/campaigns/c_1/claims", true)]
    [InlineData("/api/campaigns/c_1/events", true)]
    [InlineData("/c/c_1", true)]
    [InlineData("/api/me/coupons", true)]
    [InlineData("/api/coupons/ABC123/release", true)]
    [InlineData("/API/Coupons/ABC123/RELEASE/", true)]
    [InlineData("/api/coupons/ABC123", false)]
    [InlineData("/api/coupons/ABC123/redeem", false)]
    [InlineData("/api/coupons/ABC123/validate", false)]
    [InlineData("/api/admin/campaigns", false)]
    [InlineData("/admin", false)]
    [InlineData("/healthz", false)]
    [InlineData("/metrics", false)]
    public void IsShopperRequest_TellsShoppersFromServicesAndProbes(string path, bool shopper) =>
        Assert.Equal(shopper, ShopperRateLimits.IsShopperRequest(path));

    [Fact]
    public async Task Edge_WithAnExemptionThatIsNoAddress_RefusesToStart()
    {
        // YARP reads the limiter's options while the routes are mapped, so the check may fire before StartAsync.
        var e = await Record.ExceptionAsync(async () =>
        {
            await using var app = WaitingRoomApp.Create(FlashSaleSystem.CommonArgs(
                "--Proxy:Admin=http://127.0.0.1:9/", "--Proxy:ClaimApi:0=http://127.0.0.1:9/",
                "--WaitingRoom:RateLimits:ExemptAddresses:0=10.0.0.0/8"));
            await app.StartAsync();
        });

        Assert.NotNull(e);
        Assert.Contains("'10.0.0.0/8' is not an IP address.", e.ToString(), StringComparison.Ordinal);
    }
}
