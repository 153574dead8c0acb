using FlashSale.Shared.Tokens;
using FlashSale.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FlashSale.Tests.Tokens;

/// <summary>Pure unit tests: no server, the clock is a fake.</summary>
public sealed class JwtCodecTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Validate_IssuedToken_CarriesUserCampaignAndId()
    {
        var tokens = new AdmissionTokens(Options.Create(Mint.Options()), clock);
        var (token, expires) = tokens.Issue("alice", "c_1", TimeSpan.FromSeconds(120));

        var (admission, error) = await tokens.ValidateAsync(token);

        Assert.Null(error);
        Assert.Equal("alice", admission!.UserId);
        Assert.Equal("c_1", admission.CampaignId);
        Assert.False(string.IsNullOrEmpty(admission.TokenId));
        Assert.Equal(clock.GetUtcNow().AddSeconds(120), expires);
    }

    [Fact]
    public async Task Validate_AfterExpiryPlusSkew_Fails_JustBefore_Passes()
    {
        var tokens = new AdmissionTokens(Options.Create(Mint.Options()), clock);
        var (token, _) = tokens.Issue("alice", "c_1", TimeSpan.FromSeconds(120));

        clock.Advance(TimeSpan.FromSeconds(124));
        Assert.NotNull((await tokens.ValidateAsync(token)).Admission);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Null((await tokens.ValidateAsync(token)).Admission);
    }

    [Fact]
    public async Task Validate_KeyRotation_PreviousKeyStillAccepted_NewKeySigns()
    {
        var old = new AdmissionTokens(Options.Create(Mint.Options("k1", new string('a', 40))), clock);
        var (oldToken, _) = old.Issue("alice", "c_1", TimeSpan.FromSeconds(60));
        var rotated = new AdmissionTokenOptions { CurrentKid = "k2" };
        rotated.Keys.Add(new SigningKeyOptions { Kid = "k1", Secret = new string('a', 40) });
        rotated.Keys.Add(new SigningKeyOptions { Kid = "k2", Secret = new string('b', 40) });
        var tokens = new AdmissionTokens(Options.Create(rotated), clock);

        Assert.NotNull((await tokens.ValidateAsync(oldToken)).Admission);
        var (newToken, _) = tokens.Issue("bob", "c_1", TimeSpan.FromSeconds(60));
        Assert.Contains("\"kid\":\"k2\"", Base64Url.Decode(newToken.Split('.')[0]));
        Assert.Null((await old.ValidateAsync(newToken)).Admission);
    }

    [Fact]
    public async Task Validate_Es256KeyRotation_PreviousKeyStillAccepted_NewKeySigns()
    {
        var k1 = EcKeyPair.NewP256();
        var k2 = EcKeyPair.NewP256();
        var old = Mint.Tokens(Mint.Es256Options("k1", k1.PrivatePem), clock);
        var (oldToken, _) = old.Issue("alice", "c_1", TimeSpan.FromSeconds(60));
        // After the rotation the signer holds k2's private key and k1's public key only.
        var rotated = new AdmissionTokenOptions { Algorithm = "ES256", CurrentKid = "k2" };
        rotated.Keys.Add(new SigningKeyOptions { Kid = "k1", PublicKeyPem = k1.PublicPem });
        rotated.Keys.Add(new SigningKeyOptions { Kid = "k2", PrivateKeyPem = k2.PrivatePem });
        var tokens = Mint.Tokens(rotated, clock);

        Assert.NotNull((await tokens.ValidateAsync(oldToken)).Admission);
        var (newToken, _) = tokens.Issue("bob", "c_1", TimeSpan.FromSeconds(60));
        Assert.Contains("\"kid\":\"k2\"", Base64Url.Decode(newToken.Split('.')[0]));
        Assert.NotNull((await tokens.ValidateAsync(newToken)).Admission);
        Assert.Null((await old.ValidateAsync(newToken)).Admission);
    }

    [Fact]
    public async Task Es256_VerifierWithPublicKeysOnly_AcceptsTheSignersTokens_ButCannotSign()
    {
        var pair = EcKeyPair.NewP256();
        var signer = Mint.Tokens(Mint.Es256Options("e1", pair.PrivatePem), clock);
        var verifierOptions = new AdmissionTokenOptions { Algorithm = "ES256" };
        verifierOptions.Keys.Add(new SigningKeyOptions { Kid = "e1", PublicKeyPem = pair.PublicPem });
        var verifier = Mint.Tokens(verifierOptions, clock);

        var (admission, error) = await verifier.ValidateAsync(signer.Issue("alice", "c_1", TimeSpan.FromSeconds(60)).Token);

        Assert.Null(error);
        Assert.Equal("alice", admission!.UserId);
        Assert.Throws<InvalidOperationException>(() => verifier.Issue("alice", "c_1", TimeSpan.FromSeconds(60)));
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("ES256")]
    public async Task Validate_UnknownKid_FailsAndSaysSo(string algorithm)
    {
        var pair = EcKeyPair.NewP256();
        AdmissionTokenOptions Set(string kid) => algorithm == "HS256" ? Mint.Options(kid, new string('a', 40)) : Mint.Es256Options(kid, pair.PrivatePem);
        // Same key material, other kid: the kid alone decides which key checks a token.
        var (token, _) = Mint.Tokens(Set("other"), clock).Issue("alice", "c_1", TimeSpan.FromSeconds(60));

        var (admission, error) = await Mint.Tokens(Set("k1"), clock).ValidateAsync(token);

        Assert.Null(admission);
        Assert.Contains("kid", error);
    }

    [Theory]
    [InlineData("HS256", "ES256")]
    [InlineData("ES256", "HS256")]
    public async Task Validate_TheOtherAlgorithm_Fails(string accepted, string signedWith)
    {
        var pair = EcKeyPair.NewP256();
        AdmissionTokenOptions Set(string algorithm) => algorithm == "HS256" ? Mint.Options("k1", new string('a', 40)) : Mint.Es256Options("k1", pair.PrivatePem);
        var (token, _) = Mint.Tokens(Set(signedWith), clock).Issue("alice", "c_1", TimeSpan.FromSeconds(60));

        Assert.Null((await Mint.Tokens(Set(accepted), clock).ValidateAsync(token)).Admission);
    }

    [Fact]
    public void PublicKeys_Hs256_AreNone_Es256_AreEveryKeysPublicHalf()
    {
        Assert.Empty(Mint.Tokens(Mint.Options(), clock).PublicKeys.Keys);
        var options = Mint.Es256Options("e1", EcKeyPair.NewP256().PrivatePem);
        options.Keys.Add(new SigningKeyOptions { Kid = "e0", PublicKeyPem = EcKeyPair.NewP256().PublicPem });

        var keys = Mint.Tokens(options, clock).PublicKeys.Keys;

        Assert.Equal(new[] { "e1", "e0" }, keys.Select(k => k.Kid));
        Assert.All(keys, k => Assert.Equal(("EC", "P-256", "sig", "ES256", 43, 43), (k.Kty, k.Crv, k.Use, k.Alg, k.X.Length, k.Y.Length)));
    }
}
