using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace FlashSale.Shared.Tokens;

/// <summary>An admission token's contents once its signature, algorithm, audience and expiry are checked.</summary>
public sealed record Admission(string UserId, string CampaignId, string TokenId, DateTimeOffset ExpiresAt);

/// <summary>The admission JWT: bound to one user and one campaign, short-lived, one jti per admission.</summary>
public sealed class AdmissionTokens(IOptions<AdmissionTokenOptions> options, TimeProvider time)
{
    public const string CampaignClaim = "cid";
    private readonly JwtCodec codec = new(options.Value, time);

    /// <summary>What the edge publishes at /.well-known/jwks.json: the ES256 public keys, none in HS256 mode.</summary>
    public JwkSet PublicKeys => new(codec.Keys.PublicKeys);

    public (string Token, DateTimeOffset ExpiresAt) Issue(string userId, string campaignId, TimeSpan ttl)
    {
        var expires = time.GetUtcNow() + ttl;
        var jti = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var token = codec.Create(JwtCodec.Claims(("sub", userId), (CampaignClaim, campaignId), ("jti", jti)), expires);
        return (token, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    public async ValueTask<(Admission? Admission, string? Error)> ValidateAsync(string? token)
    {
        var check = await codec.ValidateAsync(token);
        if (check.Token is not { } verified)
        {
            return (null, check.Error);
        }
        return verified is { Subject: { } user, Campaign: { } campaign, TokenId: { } jti }
            ? (new Admission(user, campaign, jti, verified.ExpiresAt), null)
            : (null, "The token lacks its user, campaign or id.");
    }
}
