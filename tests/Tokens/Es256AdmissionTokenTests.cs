using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FlashSale.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace FlashSale.Tests.Tokens;

/// <summary>Admission tokens in ES256 mode, through the edge and ClaimApi (which holds public keys only).</summary>
[Collection(Es256Collection.Name)]
public sealed class Es256AdmissionTokenTests(Es256System sys)
{
    private Task<(string Campaign, string User, string Token)> AdmittedAsync() => sys.AdmittedShopperAsync("es");

    private static JsonNode Header(string token) => JsonNode.Parse(Base64Url.Decode(token.Split('.')[0]))!;

    [Fact]
    public async Task Claim_TokenIssuedByTheEdge_IsEs256WithTheCurrentKid_Is201()
    {
        var (campaign, _, token) = await AdmittedAsync();

        Assert.Equal("ES256", Header(token)["alg"]!.GetValue<string>());
        Assert.Equal(Es256System.CurrentKid, Header(token)["kid"]!.GetValue<string>());
        var response = await sys.ClaimAsync(campaign, token);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Claim_TokenSignedWithThePreviousKey_Is201()
    {
        // Issued while es-1 was current; after the rotation both sides keep es-1's public key, so it still claims.
        var (campaign, user, _) = await AdmittedAsync();
        var beforeRotation = Mint.Tokens(Mint.Es256Options(Es256System.PreviousKid, sys.Previous.PrivatePem), sys.Clock);
        var (token, _) = beforeRotation.Issue(user, campaign, TimeSpan.FromMinutes(2));

        var response = await sys.ClaimAsync(campaign, token);

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("es-0", false)]   // a retired key, no longer in the set
    [InlineData("es-9", true)]    // a kid we do not know over a key we do hold: the kid picks the key, nothing else
    public async Task Claim_UnknownKid_Is401(string kid, bool withAKnownKey)
    {
        var (campaign, user, _) = await AdmittedAsync();
        var key = withAKnownKey ? sys.Previous.PrivatePem : EcKeyPair.NewP256().PrivatePem;
        var (token, _) = Mint.Tokens(Mint.Es256Options(kid, key), sys.Clock).Issue(user, campaign, TimeSpan.FromMinutes(2));

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, token), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("der")]
    [InlineData("jwk-x")]
    public async Task Claim_Hs256SignedWithThePublicKey_Is401(string keyForm)
    {
        // The classic algorithm confusion: the public key is public, so an attacker HMACs with it and says alg HS256.
        var (campaign, _, token) = await AdmittedAsync();
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(sys.Current.PublicPem);
        var key = keyForm switch
        {
            "pem" => Encoding.UTF8.GetBytes(sys.Current.PublicPem),
            "der" => ecdsa.ExportSubjectPublicKeyInfo(),
            _ => Encoding.UTF8.GetBytes(Base64UrlEncoder.Encode(ecdsa.ExportParameters(false).Q.X!)),
        };
        var forged = Mint.Hs256WithKeyBytes($$"""{"alg":"HS256","typ":"JWT","kid":"{{Es256System.CurrentKid}}"}""", token.Split('.')[1], key);

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, forged), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Claim_Hs256TokenWithAnHs256Secret_Is401()
    {
        // A leftover shared secret from HS256 days signs nothing in ES256 mode, whatever its kid.
        var (campaign, user, _) = await AdmittedAsync();
        var (token, _) = Mint.Tokens(Mint.Options(Es256System.CurrentKid), sys.Clock).Issue(user, campaign, TimeSpan.FromMinutes(2));

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, token), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Claim_AlgNone_Is401()
    {
        var (campaign, _, token) = await AdmittedAsync();
        var unsigned = $"{Base64Url.Encode($$"""{"alg":"none","typ":"JWT","kid":"{{Es256System.CurrentKid}}"}""")}.{token.Split('.')[1]}.";

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, unsigned), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Claim_TamperedPayload_Is401()
    {
        var (campaign, _, token) = await AdmittedAsync();
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Base64Url.Decode(parts[1]))!;
        payload["sub"] = "someone-else";

        await Api.AssertProblemAsync(await sys.ClaimAsync(campaign, $"{parts[0]}.{Base64Url.Encode(payload.ToJsonString())}.{parts[2]}"),
            HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Fact]
    public async Task Jwks_Es256_PublishesEveryPublicKeyAndVerifiesTheEdgesTokens()
    {
        var (_, _, token) = await AdmittedAsync();

        var response = await sys.Edge.GetAsync("/.well-known/jwks.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge.TotalSeconds: >= 60 and <= 600 }, $"{response.Headers.CacheControl}");
        var keys = (await response.JsonAsync())["keys"]!.AsArray().Select(k => k!.AsObject()).ToList();
        Assert.Equal(new[] { Es256System.CurrentKid, Es256System.PreviousKid }, keys.Select(k => k["kid"]!.GetValue<string>()));
        foreach (var k in keys)
        {
            Assert.Equal(new[] { "kty", "crv", "x", "y", "kid", "use", "alg" }, k.Select(p => p.Key));   // nothing else, "d" least of all
            Assert.Equal("EC", k["kty"]!.GetValue<string>());
            Assert.Equal("P-256", k["crv"]!.GetValue<string>());
            Assert.Equal("sig", k["use"]!.GetValue<string>());
            Assert.Equal("ES256", k["alg"]!.GetValue<string>());
        }

        // What an outside verifier does: the key named by the token's kid, from the JWKS alone, checks its signature.
        var jwk = keys.Single(k => k["kid"]!.GetValue<string>() == Header(token)["kid"]!.GetValue<string>());
        using var verifier = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(jwk["x"]!.GetValue<string>()), Y = Base64UrlEncoder.DecodeBytes(jwk["y"]!.GetValue<string>()) },
        });
        var parts = token.Split('.');
        Assert.True(verifier.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64UrlEncoder.DecodeBytes(parts[2]), HashAlgorithmName.SHA256));
    }
}
