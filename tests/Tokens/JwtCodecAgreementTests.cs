using System.Text;
using FlashSale.Shared.Tokens;
using FlashSale.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FlashSale.Tests.Tokens;

/// <summary>
/// Pure unit tests: JwtCodec checks HS256 tokens with its own verifier, and every verdict here must be the one
/// IdentityModel's handler reaches with the same rules, on tokens that are valid, forged, damaged, dead or not ours.
/// </summary>
public sealed class JwtCodecAgreementTests
{
    private const string Secret = "agreement-secret-agreement-secret-0123";
    private const string OtherSecret = "another-secret-another-secret-another-99";
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Now);
    private readonly JwtCodec codec;
    private readonly long now = Now.ToUnixTimeSeconds();

    public JwtCodecAgreementTests()
    {
        var options = new AdmissionTokenOptions { CurrentKid = "k2" };
        options.Keys.Add(new SigningKeyOptions { Kid = "k1", Secret = Secret });
        options.Keys.Add(new SigningKeyOptions { Kid = "k2", Secret = OtherSecret });
        codec = new JwtCodec(options, clock);
    }

    private const string Header = """{"alg":"HS256","kid":"k1","typ":"JWT"}""";

    private string Claims(string extra = "", long? exp = null) =>
        $$"""{"sub":"alice","cid":"c_1","jti":"j1","iss":"flashsale-waitingroom","aud":"flashsale-claims","exp":{{exp ?? now + 60}}{{extra}}}""";

    private static string Sign(string header, string payload, string secret = Secret) =>
        Mint.Hs256WithKeyBytes(header, Base64Url.Encode(payload), Encoding.UTF8.GetBytes(secret));

    /// <summary>Each case: a name, the token, and whether it must pass.</summary>
    private IEnumerable<(string Name, string Token, bool Valid)> Cases()
    {
        var issued = codec.Create(JwtCodec.Claims(("sub", "alice"), ("cid", "c_1"), ("jti", "j1")), Now.AddSeconds(60));
        var parts = issued.Split('.');
        yield return ("issued by the codec (kid k2)", issued, true);
        yield return ("signed with k1, header in another order", Sign("""{"typ":"JWT","kid":"k1","alg":"HS256"}""", Claims()), true);
        yield return ("escaped alg and kid", Sign("""{"alg":"HS\u003256","kid":"\u006b1"}""", Claims()), true);
        yield return ("header and payload with whitespace", Sign(""" { "alg" : "HS256" , "kid" : "k1" } """, " " + Claims() + " "), true);
        yield return ("audience in an array", Sign(Header, Claims().Replace("\"aud\":\"flashsale-claims\"", "\"aud\":[\"x\",\"flashsale-claims\"]")), true);
        yield return ("unknown claims and nested values", Sign(Header, Claims(""","extra":{"a":[1,2,{"b":null}]},"n":1.5""")), true);
        yield return ("expired 4 s ago, within the 5 s skew", Sign(Header, Claims(exp: now - 4)), true);
        yield return ("not before 4 s from now, within the skew", Sign(Header, Claims(",\"nbf\":" + (now + 4))), true);
        yield return ("device claim", Sign(Header, Claims(",\"dev\":\"phone\"")), true);

        yield return ("expired 6 s ago", Sign(Header, Claims(exp: now - 6)), false);
        yield return ("not before 6 s from now", Sign(Header, Claims(",\"nbf\":" + (now + 6))), false);
        yield return ("no expiry", Sign(Header, Claims().Replace($",\"exp\":{now + 60}", "")), false);
        yield return ("expiry as a string", Sign(Header, Claims().Replace($"\"exp\":{now + 60}", $"\"exp\":\"soon\"")), false);
        yield return ("another issuer", Sign(Header, Claims().Replace("flashsale-waitingroom", "someone")), false);
        yield return ("another audience", Sign(Header, Claims().Replace("flashsale-claims", "someone")), false);
        yield return ("audience array without ours", Sign(Header, Claims().Replace("\"aud\":\"flashsale-claims\"", "\"aud\":[\"x\",\"y\"]")), false);
        yield return ("no audience", Sign(Header, Claims().Replace(",\"aud\":\"flashsale-claims\"", "")), false);
        yield return ("payload changed after signing", $"{parts[0]}.{Base64Url.Encode(Claims().Replace("alice", "mallory"))}.{parts[2]}", false);
        yield return ("header's kid changed after signing", $"{Base64Url.Encode("""{"alg":"HS256","kid":"k1","typ":"JWT"}""")}.{parts[1]}.{parts[2]}", false);
        yield return ("signed with a secret we do not hold", Sign(Header, Claims(), "not-our-secret-not-our-secret-not-our-1"), false);
        yield return ("signed with k2's secret under kid k1", Sign(Header, Claims(), OtherSecret), false);
        yield return ("alg none, no signature", $"{Base64Url.Encode("""{"alg":"none","kid":"k1"}""")}.{Base64Url.Encode(Claims())}.", false);
        yield return ("alg HS512 header", Sign("""{"alg":"HS512","kid":"k1"}""", Claims()), false);
        yield return ("alg hs256 in lower case", Sign("""{"alg":"hs256","kid":"k1"}""", Claims()), false);
        yield return ("no alg", Sign("""{"kid":"k1"}""", Claims()), false);
        yield return ("no kid", Sign("""{"alg":"HS256"}""", Claims()), false);
        yield return ("unknown kid", Sign("""{"alg":"HS256","kid":"k9"}""", Claims()), false);
        yield return ("alg as an object holding another alg", Sign("""{"alg":{"alg":"HS256"},"kid":"k1"}""", Claims()), false);
        yield return ("issuer as an object holding the issuer", Sign(Header, Claims().Replace("\"iss\":\"flashsale-waitingroom\"", "\"iss\":{\"iss\":\"flashsale-waitingroom\"}")), false);
        yield return ("kid as a number", Sign("""{"alg":"HS256","kid":1}""", Claims()), false);
        yield return ("header not JSON", Sign("not json", Claims()), false);
        yield return ("payload not JSON, signed", Sign(Header, "not json"), false);
        yield return ("payload a JSON array, signed", Sign(Header, "[1,2]"), false);
        yield return ("signature cut short", issued[..^2], false);
        yield return ("signature with a bit flipped", parts[0] + "." + parts[1] + "." + Flip(parts[2]), false);
        // Both decoders take base64 padding; harmless, as nothing keys on a token's text (replays are caught by jti).
        yield return ("signature padded with =", issued + "=", true);
        yield return ("a fourth segment", issued + ".x", false);
        yield return ("two segments", $"{parts[0]}.{parts[1]}", false);
        yield return ("one segment", "not-a-jwt", false);
        yield return ("empty header segment", $".{parts[1]}.{parts[2]}", false);
        yield return ("non-ASCII character", issued.Replace(parts[1], parts[1][..5] + "é" + parts[1][6..]), false);
        yield return ("whitespace inside", issued.Insert(10, " "), false);
    }

    private static string Flip(string segment)
    {
        var chars = segment.ToCharArray();
        chars[3] = chars[3] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    [Fact]
    public async Task EveryToken_GetsTheVerdictItMust_AndTheLibrarysVerdict()
    {
        var cases = Cases().ToList();
        var wrong = new List<string>();
        foreach (var (name, token, valid) in cases)
        {
            var ours = await codec.ValidateAsync(token);
            var library = await codec.ValidateWithLibraryForTestsAsync(token);
            if (ours.IsValid != valid || library.IsValid != valid || ours.Token != library.Token)
            {
                wrong.Add($"{name}: expected {(valid ? "valid" : "refused")}, ours {ours.Token?.ToString() ?? ours.Error}, library {library.Token?.ToString() ?? library.Error}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.True(cases.Count(c => c.Valid) >= 10 && cases.Count(c => !c.Valid) >= 30, "the corpus lost its cases");
    }

    [Fact]
    public async Task ValidToken_CarriesItsClaimsAndExpiry()
    {
        var check = await codec.ValidateAsync(Sign(Header, Claims(",\"dev\":\"phone\"")));

        Assert.Equal(new VerifiedToken("alice", "phone", "c_1", "j1", Now.AddSeconds(60)), check.Token);
    }

    [Fact]
    public async Task Refusals_SayWhy()
    {
        Assert.Equal(TokenCheck.Expired, await codec.ValidateAsync(Sign(Header, Claims(exp: now - 6))));
        Assert.Equal(TokenCheck.UnknownKid, await codec.ValidateAsync(Sign("""{"alg":"HS256","kid":"k9"}""", Claims())));
        Assert.Equal(TokenCheck.WrongAlgorithm, await codec.ValidateAsync(Sign("""{"alg":"none","kid":"k1"}""", Claims())));
        Assert.Equal(TokenCheck.BadSignature, await codec.ValidateAsync(Sign(Header, Claims(), OtherSecret)));
        Assert.Equal(TokenCheck.WrongAudience, await codec.ValidateAsync(Sign(Header, Claims().Replace("flashsale-claims", "x"))));
        Assert.Equal(TokenCheck.WrongIssuer, await codec.ValidateAsync(Sign(Header, Claims().Replace("flashsale-waitingroom", "x"))));
        Assert.Equal(TokenCheck.Malformed, await codec.ValidateAsync("not-a-jwt"));
        Assert.Equal(TokenCheck.Missing, await codec.ValidateAsync(""));
    }

    [Fact]
    public async Task WhereTheLibraryIsLax_OursRefuses()
    {
        // RFC 7515 4.1.11: a crit the recipient does not understand fails the token; we understand none.
        Assert.Equal(TokenCheck.Unsupported, await codec.ValidateAsync(Sign("""{"alg":"HS256","kid":"k1","crit":["exp"]}""", Claims())));
        // The library reads the JSON object and ignores what follows it; a signed payload that is not exactly JSON is not ours.
        var trailing = Sign(Header, Claims() + "x");
        Assert.True((await codec.ValidateWithLibraryForTestsAsync(trailing)).IsValid);
        Assert.Equal(TokenCheck.Malformed, await codec.ValidateAsync(trailing));
    }

    [Fact]
    public async Task LongToken_BeyondTheStackBuffer_IsCheckedAllTheSame()
    {
        var padding = new string('x', 3000);
        var valid = Sign(Header, Claims($",\"pad\":\"{padding}\""));

        Assert.True((await codec.ValidateAsync(valid)).IsValid);
        Assert.Equal(TokenCheck.BadSignature, await codec.ValidateAsync(Sign(Header, Claims($",\"pad\":\"{padding}\""), OtherSecret)));
    }
}
