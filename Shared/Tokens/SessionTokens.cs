using Microsoft.Extensions.Options;

namespace FlashSale.Shared.Tokens;

public sealed record Session(string UserId, string? DeviceId);

/// <summary>Shopper sessions as the platform's identity provider would sign them.</summary>
public sealed class SessionTokens(IOptions<SessionTokenOptions> options, TimeProvider time)
{
    private readonly JwtCodec codec = new(options.Value, time);

    public string Issue(string userId, string? deviceId, TimeSpan ttl) =>
        codec.Create(
            deviceId is null ? JwtCodec.Claims(("sub", userId)) : JwtCodec.Claims(("sub", userId), ("dev", deviceId)),
            time.GetUtcNow() + ttl);

    public async Task<(Session? Session, string? Error)> ValidateAsync(string? token)
    {
        var check = await codec.ValidateAsync(token);
        return check.Token is { } jwt && JwtCodec.Claim(jwt, "sub") is { Length: > 0 } user
            ? (new Session(user, JwtCodec.Claim(jwt, "dev")), null)
            : (null, check.Error ?? "The session names no user.");
    }
}
