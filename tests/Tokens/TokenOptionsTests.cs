using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using FlashSale.Shared.Tokens;
using FlashSale.Tests.Infrastructure;
using FlashSale.WaitingRoom;

namespace FlashSale.Tests.Tokens;

/// <summary>Bad token configuration fails at start-up with a message that names the key to fix.</summary>
public sealed class TokenOptionsTests
{
    private static readonly EcKeyPair Pair = EcKeyPair.NewP256();

    private static List<string> Errors(TokenOptions options)
    {
        var results = new List<ValidationResult>();
        // What ValidateDataAnnotations runs at start-up.
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage!)];
    }

    private static AdmissionTokenOptions Es256(params SigningKeyOptions[] keys)
    {
        var options = new AdmissionTokenOptions { Algorithm = "ES256" };
        options.Keys.AddRange(keys);
        return options;
    }

    public static TheoryData<string, Func<AdmissionTokenOptions>, string> Invalid => new()
    {
        { "unknown algorithm", () => new AdmissionTokenOptions { Algorithm = "RS256", Keys = [new() { Kid = "a", Secret = new string('s', 40) }] }, "Tokens:Admission:Algorithm is 'RS256'; use HS256 or ES256" },
        { "alg none", () => new AdmissionTokenOptions { Algorithm = "none", Keys = [new() { Kid = "a", Secret = new string('s', 40) }] }, "use HS256 or ES256" },
        { "no keys, HS256", () => new AdmissionTokenOptions(), "Tokens:Admission:Keys is empty" },
        { "no keys, ES256", () => Es256(), "Tokens:Admission:Keys is empty" },
        { "short secret", () => Mint.Options("a", "short"), "Tokens:Admission:Keys:0:Secret ('a') must be at least 32 bytes" },
        { "no kid", () => Mint.Options("", new string('s', 40)), "Tokens:Admission:Keys:0:Kid is missing" },
        { "kid twice", () => Es256(new() { Kid = "a", PublicKeyPem = Pair.PublicPem }, new() { Kid = "a", PublicKeyPem = Pair.PublicPem }), "Kid 'a' appears twice" },
        { "ES256 key without key", () => Es256(new SigningKeyOptions { Kid = "a" }), "Tokens:Admission:Keys:0 ('a') has no key" },
        { "ES256 key with a secret", () => Es256(new SigningKeyOptions { Kid = "a", Secret = new string('s', 40), PublicKeyPem = Pair.PublicPem }), "remove the secret" },
        { "two key sources", () => Es256(new SigningKeyOptions { Kid = "a", PrivateKeyPem = Pair.PrivatePem, PublicKeyPem = Pair.PublicPem }), "give exactly one" },
        { "not PEM", () => Es256(new SigningKeyOptions { Kid = "a", PrivateKeyPem = "MHcCAQEEI..." }), "Tokens:Admission:Keys:0:PrivateKeyPem ('a') is not PEM" },
        { "broken PEM", () => Es256(new SigningKeyOptions { Kid = "a", PublicKeyPem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----" }), "is not a valid EC key" },
        { "private key given to a verifier", () => Es256(new SigningKeyOptions { Kid = "a", PublicKeyPem = Pair.PrivatePem }), "holds a private key; a verifier must get the public key only" },
        { "public key as private", () => Es256(new SigningKeyOptions { Kid = "a", PrivateKeyPem = Pair.PublicPem }), "is a 'PUBLIC KEY' PEM block" },
        { "P-384", () => Es256(new SigningKeyOptions { Kid = "a", PrivateKeyPem = EcKeyPair.New(ECCurve.NamedCurves.nistP384).PrivatePem }), "ES256 needs P-256" },
        { "RSA key", () => Es256(new SigningKeyOptions { Kid = "a", PrivateKeyPem = RSA.Create(2048).ExportPkcs8PrivateKeyPem() }), "is not a valid EC key" },
        { "missing file", () => Es256(new SigningKeyOptions { Kid = "a", PrivateKeyFile = "/nonexistent/flashsale.pem" }), "Tokens:Admission:Keys:0:PrivateKeyFile ('a'): cannot read '/nonexistent/flashsale.pem'" },
        { "EC key with HS256", () => new AdmissionTokenOptions { Keys = [new() { Kid = "a", PublicKeyPem = Pair.PublicPem }] }, "has an EC key but the algorithm is HS256" },
        { "unknown current kid", () => { var o = Mint.Options(); o.CurrentKid = "test-2"; return o; }, "CurrentKid 'test-2' names none of the configured keys (test-1)" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_BadConfiguration_NamesTheProblem(string why, Func<AdmissionTokenOptions> options, string message)
    {
        var errors = Errors(options());
        Assert.True(errors.Any(e => e.Contains(message, StringComparison.Ordinal)), $"{why}: {string.Join(" | ", errors)}");
    }

    [Fact]
    public void Validate_GoodConfigurations_Pass()
    {
        Assert.Empty(Errors(Mint.Options()));
        Assert.Empty(Errors(new AdmissionTokenOptions { Algorithm = "es256", Keys = [new() { Kid = "a", PrivateKeyPem = Pair.PrivatePem }, new() { Kid = "b", PublicKeyPem = Pair.PublicPem, Secret = "" }] }));
        using var sec1 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Empty(Errors(Es256(new SigningKeyOptions { Kid = "a", PrivateKeyPem = sec1.ExportECPrivateKeyPem() })));   // `openssl ecparam -genkey` writes SEC1
    }

    [Fact]
    public async Task Edge_Es256WithPublicKeysOnly_RefusesToStart()
    {
        await using var app = WaitingRoomApp.Create(FlashSaleSystem.CommonArgs(
            "--Proxy:Admin=http://127.0.0.1:9/", "--Proxy:ClaimApi:0=http://127.0.0.1:9/",
            "--Tokens:Admission:Algorithm=ES256",
            "--Tokens:Admission:Keys:0:Secret=", $"--Tokens:Admission:Keys:0:PublicKeyPem={Pair.PublicPem}",
            "--Tokens:Admission:Keys:1:Secret=", $"--Tokens:Admission:Keys:1:PublicKeyPem={EcKeyPair.NewP256().PublicPem}"));

        var e = await Record.ExceptionAsync(() => app.StartAsync());

        Assert.NotNull(e);
        Assert.Contains("the current key (CurrentKid, or the first key) needs its private key", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edge_BadPem_RefusesToStartNamingTheKey()
    {
        await using var app = WaitingRoomApp.Create(FlashSaleSystem.CommonArgs(
            "--Proxy:Admin=http://127.0.0.1:9/", "--Proxy:ClaimApi:0=http://127.0.0.1:9/",
            "--Tokens:Admission:Algorithm=ES256",
            "--Tokens:Admission:Keys:0:Secret=", "--Tokens:Admission:Keys:0:PrivateKeyPem=-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----",
            "--Tokens:Admission:Keys:1:Secret=", $"--Tokens:Admission:Keys:1:PublicKeyPem={Pair.PublicPem}"));

        var e = await Record.ExceptionAsync(() => app.StartAsync());

        Assert.NotNull(e);
        Assert.Contains("Tokens:Admission:Keys:0:PrivateKeyPem ('test-1')", e.ToString(), StringComparison.Ordinal);
    }
}
