using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FlashSale.Shared.Tokens;
using FlashSale.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FlashSale.Tests.Tokens;

[Collection(SystemCollection.Name)]
public sealed class AdmissionTokenTests(FlashSaleSystem sys)
{
    private Task<(string Campaign, string User, string Token)> AdmittedAsync() => sys.AdmittedShopperAsync("tok");

    [Fact]
    public async Task Claim_TokenSignedWithAnotherKey_Is401()
    {
        var (campaign, user, _) = await AdmittedAsync();
        var forger = new AdmissionTokens(Options.Create(Mint.Options(secret: "an-attacker-secret-that-is-long-enough-0123")), sys.Clock);
        var (forged, _) = forger.Issue(user, campaign, TimeSpan.FromMinutes(2));

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, forged), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Claim_TamperedPayload_Is401()
    {
        var (campaign, _, token) = await AdmittedAsync();
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Base64Url.Decode(parts[1]))!;
        payload["sub"] = "someone-else";
        var tampered = $"{parts[0]}.{Base64Url.Encode(payload.ToJsonString())}.{parts[2]}";

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, tampered), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Claim_AlgNone_Is401()
    {
        var (campaign, _, token) = await AdmittedAsync();
        var payload = token.Split('.')[1];
        var unsigned = $"{Base64Url.Encode("""{"alg":"none","typ":"JWT","kid":"test-1"}""")}.{payload}.";

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, unsigned), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Claim_ExpiredToken_Is401EvenWithinTheLibraryDefaultSkew()
    {
        var (campaign, _, token) = await AdmittedAsync();
        // 120 s lifetime + 30 s: dead for us (5 s skew), alive under the library's default 5 minutes.
        sys.Clock.Advance(TimeSpan.FromSeconds(150));

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, token), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Claim_TokenForAnotherCampaign_Is403()
    {
        var (_, _, token) = await AdmittedAsync();
        var other = await sys.CreateCampaignAsync(stock: 5);

        await Api.AssertProblemAsync(await sys.ClaimAsync(other, token), HttpStatusCode.Forbidden, "/forbidden");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-jwt")]
    public async Task Claim_MissingOrMalformedToken_Is401(string? token)
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5);
        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, token), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Status_WhileAdmitted_ReturnsTheSameToken()
    {
        var (campaign, user, token) = await AdmittedAsync();
        var again = await sys.AdmissionTokenAsync(campaign, await sys.SessionAsync(user));
        Assert.Equal(token, again);
    }

    [Fact]
    public async Task Claim_TokenSignedWithThePreviousKey_Is201()
    {
        // Issued while test-0 was the current key; the rotation to test-1 kept test-0 in the set, so it still claims.
        var (campaign, user, _) = await AdmittedAsync();
        var beforeRotation = Mint.Tokens(Mint.Options("test-0", FlashSaleSystem.PreviousAdmissionSecret), sys.Clock);
        var (token, _) = beforeRotation.Issue(user, campaign, TimeSpan.FromMinutes(2));

        var response = await sys.ClaimAsync(campaign, token);

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Issue_SignsWithTheCurrentKid()
    {
        var (_, _, token) = await AdmittedAsync();
        var header = JsonNode.Parse(Base64Url.Decode(token.Split('.')[0]))!;
        Assert.Equal("HS256", header["alg"]!.GetValue<string>());
        Assert.Equal("test-1", header["kid"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("test-9", FlashSaleSystem.AdmissionSecret)]       // a kid we do not know, even with a secret we hold
    [InlineData("retired", "a-retired-key-no-longer-in-the-set-0123456")]
    public async Task Claim_UnknownKid_Is401(string kid, string secret)
    {
        var (campaign, user, _) = await AdmittedAsync();
        var (token, _) = Mint.Tokens(Mint.Options(kid, secret), sys.Clock).Issue(user, campaign, TimeSpan.FromMinutes(2));

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, token), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Claim_Es256Token_Is401BecauseTheAlgorithmIsPinned()
    {
        var (campaign, user, _) = await AdmittedAsync();
        var (token, _) = Mint.Tokens(Mint.Es256Options("test-1", EcKeyPair.NewP256().PrivatePem), sys.Clock).Issue(user, campaign, TimeSpan.FromMinutes(2));

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, token), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Jwks_Hs256_IsAnEmptySet()
    {
        var response = await sys.Edge.GetAsync("/.well-known/jwks.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"keys":[]}""", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge.TotalSeconds: >= 60 and <= 600 }, $"{response.Headers.CacheControl}");
    }
}
