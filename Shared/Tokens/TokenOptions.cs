using System.ComponentModel.DataAnnotations;

namespace FlashSale.Shared.Tokens;

/// <summary>One HMAC key of a key set; the kid travels in each token's header so a rotation refuses no valid token.</summary>
public sealed class SigningKeyOptions
{
    /// <summary>Key id written into the JWT header.</summary>
    [Required]
    public string Kid { get; set; } = "";

    /// <summary>The shared secret, at least 32 bytes.</summary>
    [Required, MinLength(32)]
    public string Secret { get; set; } = "";
}

/// <summary>A JWT key set: every key validates, <see cref="CurrentKid"/> (or the first) signs.</summary>
public abstract class TokenOptions
{
    [Required]
    public string Issuer { get; set; } = "";

    [Required]
    public string Audience { get; set; } = "";

    /// <summary>Keys accepted for validation; the current one also signs.</summary>
    [MinLength(1)]
    public List<SigningKeyOptions> Keys { get; set; } = [];

    /// <summary>Kid of the signing key; the first key when unset.</summary>
    public string? CurrentKid { get; set; }

    /// <summary>Kept small on purpose: the library's default of 5 minutes would keep a 2-minute token alive for 7.</summary>
    [Range(0, 30)]
    public int ClockSkewSeconds { get; set; } = 5;
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
}
