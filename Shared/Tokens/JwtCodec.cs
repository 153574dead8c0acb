using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FlashSale.Shared.Tokens;

public sealed record TokenCheck(JsonWebToken? Token, string? Error)
{
    public bool IsValid => Token is not null;
}

/// <summary>
/// Signs and checks JWTs against one key set (HS256 or ES256), with the algorithm pinned, the key picked by kid only,
/// and the clock from TimeProvider.
/// </summary>
public sealed class JwtCodec
{
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TimeProvider time;
    private readonly SigningCredentials? signing;
    private readonly TokenValidationParameters validation;
    private readonly TimeSpan skew;

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

    public async Task<TokenCheck> ValidateAsync(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return new TokenCheck(null, "No token.");
        }
        var result = await handler.ValidateTokenAsync(token, validation);
        return result.IsValid && result.SecurityToken is JsonWebToken jwt
            ? new TokenCheck(jwt, null)
            : new TokenCheck(null, Describe(result.Exception));
    }

    private bool IsAlive(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters p)
    {
        // The skew moves "now", not the token's times: after a failed signature the library passes DateTime.MinValue
        // for an absent nbf, and MinValue - skew throws instead of answering.
        var now = time.GetUtcNow().UtcDateTime;
        return expires is { } exp && exp.ToUniversalTime() > now - skew && (notBefore is not { } nbf || nbf.ToUniversalTime() <= now + skew);
    }

    private static string Describe(Exception? e) => e switch
    {
        SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenSignatureKeyNotFoundException => "The token's key id (kid) is not one we accept.",
        SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
        SecurityTokenInvalidAlgorithmException => "The token's algorithm is not accepted.",
        SecurityTokenMalformedException => "The token is malformed.",
        null => "The token is not valid.",
        _ => "The token is not valid: " + e.GetType().Name.Replace("SecurityToken", "", StringComparison.Ordinal).Replace("Exception", "", StringComparison.Ordinal) + ".",
    };

    public static string? Claim(JsonWebToken token, string type) =>
        token.TryGetPayloadValue<string>(type, out var value) ? value : null;

    public static IDictionary<string, object> Claims(params (string Type, object Value)[] claims) =>
        claims.ToDictionary(c => c.Type, c => c.Value);

    public static string? Bearer(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
}
