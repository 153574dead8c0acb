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
}
