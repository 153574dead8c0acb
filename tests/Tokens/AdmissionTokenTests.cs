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
    private async Task<(string Campaign, string User, string Token)> AdmittedAsync()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5);
        var user = $"tok-{campaign}";
        var session = await sys.SessionAsync(user);
        await sys.JoinAsync(campaign, session);
        await sys.StartAndAdmitAsync(campaign, 1);
        return (campaign, user, await sys.AdmissionTokenAsync(campaign, session));
    }

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
}

internal static class Base64Url
{
    public static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Decode(string part)
    {
        var s = part.Replace('-', '+').Replace('_', '/');
        return Encoding.UTF8.GetString(Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=')));
    }
}
