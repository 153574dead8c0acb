using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace FlashSale.Shared.Tokens;

public sealed record Session(string UserId, string? DeviceId);

/// <summary>Shopper sessions as the platform's identity provider would sign them.</summary>
public sealed class SessionTokens(IOptions<SessionTokenOptions> options, TimeProvider time)
{
    // A waiting shopper presents the same session on every poll; checking its signature once a minute instead of
    // every time is most of the cost of a status answer. Bounded: at the cap the cache starts over.
    private const int CacheCap = 200_000;
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);

    private readonly JwtCodec codec = new(options.Value, time);
    private readonly ConcurrentDictionary<string, (Session Session, DateTimeOffset Until)> validated = new(StringComparer.Ordinal);

    // Counted here because ConcurrentDictionary.Count takes every one of its locks: asked on each new session, it was
    // 7% of the edge's CPU in a join storm (perf). Approximate under races, which a cap does not mind.
    private int cached;

    public string Issue(string userId, string? deviceId, TimeSpan ttl) =>
        codec.Create(
            deviceId is null ? JwtCodec.Claims(("sub", userId)) : JwtCodec.Claims(("sub", userId), ("dev", deviceId)),
            time.GetUtcNow() + ttl);

    public async Task<(Session? Session, string? Error)> ValidateAsync(string? token)
    {
        var now = time.GetUtcNow();
        if (token is not null && validated.TryGetValue(token, out var hit))
        {
            if (hit.Until > now)
            {
                return (hit.Session, null);
            }
            if (validated.TryRemove(token, out _))
            {
                Interlocked.Decrement(ref cached);
            }
        }
        var check = await codec.ValidateAsync(token);
        if (check.Token is not { } jwt || JwtCodec.Claim(jwt, "sub") is not { Length: > 0 } user)
        {
            return (null, check.Error ?? "The session names no user.");
        }
        var session = new Session(user, JwtCodec.Claim(jwt, "dev"));
        if (Volatile.Read(ref cached) >= CacheCap)
        {
            validated.Clear();
            Interlocked.Exchange(ref cached, 0);
        }
        // Never beyond the token's own expiry (less the skew the codec allows), so caching keeps no session alive.
        var until = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        var entry = (session, until < now + CacheFor ? until : now + CacheFor);
        if (validated.TryAdd(token!, entry))
        {
            Interlocked.Increment(ref cached);
        }
        else
        {
            validated[token!] = entry;
        }
        return (session, null);
    }
}
