using FlashSale.Shared.Problems;
using FlashSale.Shared.Tokens;

namespace FlashSale.WaitingRoom.Sessions;

public static class ShopperSession
{
    /// <summary>The shopper behind the request's session token, or the 401 to answer instead.</summary>
    public static async Task<(Session? Session, IResult? Refusal)> AuthenticateAsync(HttpContext http, SessionTokens sessions)
    {
        var bearer = JwtCodec.Bearer(http.Request.Headers.Authorization);
        if (bearer is null)
        {
            return (null, Problem.Unauthenticated("A shopper session is required: Authorization: Bearer <session token>."));
        }
        var (session, error) = await sessions.ValidateAsync(bearer);
        return session is null ? (null, Problem.Unauthenticated(error ?? "The session is not valid.")) : (session, null);
    }
}
