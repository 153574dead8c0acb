using FlashSale.Shared.Tokens;

namespace FlashSale.WaitingRoom.Tokens;

public static class JwksApi
{
    /// <summary>
    /// Long enough that verifiers and CDNs do not fetch it per token, short enough that a key added for a rotation is
    /// seen well before the edge starts signing with it.
    /// </summary>
    public const int MaxAgeSeconds = 300;

    /// <summary>The admission keys' public halves (RFC 7517); in HS256 mode an empty set, as the secrets are not public.</summary>
    public static RouteHandlerBuilder MapJwks(this IEndpointRouteBuilder app) =>
        app.MapGet("/.well-known/jwks.json", (HttpContext http, AdmissionTokens tokens) =>
        {
            http.Response.Headers.CacheControl = $"public, max-age={MaxAgeSeconds}";
            return TypedResults.Ok(tokens.PublicKeys);
        });
}
