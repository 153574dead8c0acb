using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FlashSale.Shared.Tokens;

/// <summary>The claims FlashSale's tokens carry, read from a token whose signature, algorithm, key and lifetime are checked.</summary>
public sealed record VerifiedToken(string? Subject, string? Device, string? Campaign, string? TokenId, DateTimeOffset ExpiresAt);

public sealed record TokenCheck(VerifiedToken? Token, string? Error)
{
    public static readonly TokenCheck Missing = Refused("No token.");
    public static readonly TokenCheck Malformed = Refused("The token is malformed.");
    public static readonly TokenCheck WrongAlgorithm = Refused("The token's algorithm is not accepted.");
    public static readonly TokenCheck UnknownKid = Refused("The token's key id (kid) is not one we accept.");
    public static readonly TokenCheck BadSignature = Refused("The token's signature is not valid.");
    public static readonly TokenCheck Expired = Refused("The token has expired.");
    public static readonly TokenCheck NoExpiry = Refused("The token is not valid: NoExpiration.");
    public static readonly TokenCheck WrongAudience = Refused("The token is not valid: InvalidAudience.");
    public static readonly TokenCheck WrongIssuer = Refused("The token is not valid: InvalidIssuer.");
    public static readonly TokenCheck Unsupported = Refused("The token is not valid: it asks for a critical header extension.");

    public bool IsValid => Token is not null;

    public static TokenCheck Refused(string error) => new(null, error);
}

/// <summary>
/// Signs and checks JWTs against one key set (HS256 or ES256), with the algorithm pinned, the key picked by kid only,
/// and the clock from TimeProvider. IdentityModel signs, and checks ES256 (where the curve's 135 µs dwarfs the rest);
/// HS256 is checked by <see cref="Hs256Verifier"/>.
/// </summary>
public sealed class JwtCodec
{
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TimeProvider time;
    private readonly SigningCredentials? signing;
    private readonly TokenValidationParameters validation;
    private readonly TimeSpan skew;
    private readonly Hs256Verifier? hs256;

    public JwtCodec(TokenOptions options, TimeProvider time)
    {
        this.time = time;
        skew = TimeSpan.FromSeconds(options.ClockSkewSeconds);
        Keys = TokenKeySet.Load(options, options.SectionName);
        signing = Keys.CanSign ? new SigningCredentials(Keys.Current, Keys.SecurityAlgorithm) : null;
        validation = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKeys = Keys.Keys,
            // Pinned: never the token's own say, so an HS256 token "signed" with our public key or alg none is refused.
            ValidAlgorithms = [Keys.SecurityAlgorithm],
            // A kid we do not hold is refused outright, instead of the library trying every key on it.
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = skew,
            LifetimeValidator = IsAlive,
        };
        if (Keys.Algorithm == TokenOptions.HS256)
        {
            hs256 = new Hs256Verifier(Keys.Keys.OfType<SymmetricSecurityKey>().Select(k => (k.KeyId, k.Key)), options.Issuer, options.Audience);
        }
    }

    public TokenKeySet Keys { get; }

    public string Create(IDictionary<string, object> claims, DateTimeOffset expires) =>
        handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = validation.ValidIssuer,
            Audience = validation.ValidAudience,
            Claims = claims,
            IssuedAt = time.GetUtcNow().UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = signing ?? throw new InvalidOperationException(
                $"The current key '{Keys.Current.KeyId}' is a public key: this service can verify {Keys.Algorithm} tokens but not sign them."),
        });

    public ValueTask<TokenCheck> ValidateAsync(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return ValueTask.FromResult(TokenCheck.Missing);
        }
        return hs256 is not null ? ValueTask.FromResult(hs256.Verify(token, time.GetUtcNow(), skew)) : ValidateWithLibraryAsync(token);
    }

    private async ValueTask<TokenCheck> ValidateWithLibraryAsync(string token)
    {
        var result = await handler.ValidateTokenAsync(token, validation);
        return result.IsValid && result.SecurityToken is JsonWebToken jwt
            ? new TokenCheck(new VerifiedToken(Claim(jwt, "sub"), Claim(jwt, "dev"), Claim(jwt, AdmissionTokens.CampaignClaim), Claim(jwt, "jti"), new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero)), null)
            : Describe(result.Exception);
    }

    /// <summary>IdentityModel's verdict on an HS256 token too, for the tests that hold <see cref="Hs256Verifier"/> to it.</summary>
    internal ValueTask<TokenCheck> ValidateWithLibraryForTestsAsync(string token) => ValidateWithLibraryAsync(token);

    private bool IsAlive(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters p)
    {
        // The skew moves "now", not the token's times: after a failed signature the library passes DateTime.MinValue
        // for an absent nbf, and MinValue - skew throws instead of answering.
        var now = time.GetUtcNow().UtcDateTime;
        return expires is { } exp && exp.ToUniversalTime() > now - skew && (notBefore is not { } nbf || nbf.ToUniversalTime() <= now + skew);
    }

    /// <summary>The library's refusal in the words <see cref="Hs256Verifier"/> uses for the same one.</summary>
    private static TokenCheck Describe(Exception? e) => e switch
    {
        SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException => TokenCheck.Expired,
        SecurityTokenSignatureKeyNotFoundException => TokenCheck.UnknownKid,
        SecurityTokenInvalidSignatureException => TokenCheck.BadSignature,
        SecurityTokenInvalidAlgorithmException => TokenCheck.WrongAlgorithm,
        SecurityTokenMalformedException => TokenCheck.Malformed,
        SecurityTokenNoExpirationException => TokenCheck.NoExpiry,
        SecurityTokenInvalidAudienceException => TokenCheck.WrongAudience,
        SecurityTokenInvalidIssuerException => TokenCheck.WrongIssuer,
        null => TokenCheck.Refused("The token is not valid."),
        _ => TokenCheck.Refused("The token is not valid: " + e.GetType().Name.Replace("SecurityToken", "", StringComparison.Ordinal).Replace("Exception", "", StringComparison.Ordinal) + "."),
    };

    private static string? Claim(JsonWebToken token, string type) =>
        token.TryGetPayloadValue<string>(type, out var value) ? value : null;

    public static IDictionary<string, object> Claims(params (string Type, object Value)[] claims) =>
        claims.ToDictionary(c => c.Type, c => c.Value);

    public static string? Bearer(string? authorization) => TryBearer(authorization, out var token) ? token.ToString() : null;

    /// <summary>The token of an <c>Authorization: Bearer …</c> header, trimmed and not copied; false when there is none.</summary>
    public static bool TryBearer(string? authorization, out ReadOnlySpan<char> token)
    {
        if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = authorization.AsSpan(7).Trim();
            return true;
        }
        token = default;
        return false;
    }
}
