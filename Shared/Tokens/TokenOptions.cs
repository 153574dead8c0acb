using System.ComponentModel.DataAnnotations;

namespace FlashSale.Shared.Tokens;

/// <summary>
/// One key of a key set; the kid travels in each token's header so a rotation refuses no valid token. HS256 keys
/// have a <see cref="Secret"/>; ES256 keys a P-256 private key (the signer) or only its public key (a verifier).
/// </summary>
public sealed class SigningKeyOptions
{
    /// <summary>Key id written into the JWT header.</summary>
    public string Kid { get; set; } = "";

    /// <summary>HS256: the shared secret, at least 32 bytes.</summary>
    public string? Secret { get; set; }

    /// <summary>ES256 signer: the P-256 private key as PEM (PKCS#8 or SEC1).</summary>
    public string? PrivateKeyPem { get; set; }

    /// <summary>ES256 signer: a file holding <see cref="PrivateKeyPem"/>, so the key stays out of the environment.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>ES256 verifier: the P-256 public key as PEM (SubjectPublicKeyInfo); all a verifier should ever hold.</summary>
    public string? PublicKeyPem { get; set; }

    /// <summary>ES256 verifier: a file holding <see cref="PublicKeyPem"/>.</summary>
    public string? PublicKeyFile { get; set; }
}

/// <summary>A JWT key set: every key validates, <see cref="CurrentKid"/> (or the first) signs.</summary>
public abstract class TokenOptions : IValidatableObject
{
    public const string HS256 = "HS256";
    public const string ES256 = "ES256";

    [Required]
    public string Issuer { get; set; } = "";

    [Required]
    public string Audience { get; set; } = "";

    /// <summary>
    /// HS256 (default) or ES256, pinned: a token in the other algorithm, or none, is refused whatever its key.
    /// ES256 is for deployments where a verifier must not be able to mint tokens.
    /// </summary>
    public string Algorithm { get; set; } = HS256;

    /// <summary>Keys accepted for validation; the current one also signs.</summary>
    public List<SigningKeyOptions> Keys { get; set; } = [];

    /// <summary>Kid of the signing key; the first key when unset.</summary>
    public string? CurrentKid { get; set; }

    /// <summary>Kept small on purpose: the library's default of 5 minutes would keep a 2-minute token alive for 7.</summary>
    [Range(0, 30)]
    public int ClockSkewSeconds { get; set; } = 5;

    /// <summary>The configuration section, so a start-up error names the keys an operator has to fix.</summary>
    public abstract string SectionName { get; }

    /// <summary>Loading the keys is the check: a key that loads here is the key the codec uses.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var errors = new List<string>();
        TokenKeySet.TryLoad(this, SectionName, errors);
        return errors.Select(e => new ValidationResult(e, [nameof(Keys)]));
    }
}

/// <summary>Admission tokens: issued by the edge, checked by ClaimApi. Section <c>Tokens:Admission</c>.</summary>
public sealed class AdmissionTokenOptions : TokenOptions
{
    public const string Section = "Tokens:Admission";

    public AdmissionTokenOptions()
    {
        Issuer = "flashsale-waitingroom";
        Audience = "flashsale-claims";
    }

    public override string SectionName => Section;
}

/// <summary>Shopper sessions from the identity provider (locally: the dev session endpoint). Section <c>Tokens:Session</c>.</summary>
public sealed class SessionTokenOptions : TokenOptions
{
    public const string Section = "Tokens:Session";

    public SessionTokenOptions()
    {
        Issuer = "flashsale-identity";
        Audience = "flashsale";
    }

    public override string SectionName => Section;
}
