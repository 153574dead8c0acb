using FlashSale.Shared.Tokens;
using Microsoft.Extensions.Options;

namespace FlashSale.Tests.Infrastructure;

/// <summary>Admission tokens minted as the edge would, for tests about the claim path rather than the queue.</summary>
public static class Mint
{
    public static AdmissionTokenOptions Options(string kid = "test-1", string secret = FlashSaleSystem.AdmissionSecret)
    {
        var options = new AdmissionTokenOptions();
        options.Keys.Add(new SigningKeyOptions { Kid = kid, Secret = secret });
        return options;
    }

    /// <summary>An ES256 signer holding one private key, as the edge is configured.</summary>
    public static AdmissionTokenOptions Es256Options(string kid, string privatePem)
    {
        var options = new AdmissionTokenOptions { Algorithm = TokenOptions.ES256 };
        options.Keys.Add(new SigningKeyOptions { Kid = kid, PrivateKeyPem = privatePem });
        return options;
    }

    public static AdmissionTokens Tokens(AdmissionTokenOptions options, TimeProvider clock) =>
        new(Microsoft.Extensions.Options.Options.Create(options), clock);

    public static string Token(string campaignId, string userId, TimeProvider clock, int ttlSeconds = 300) =>
        Tokens(Options(), clock).Issue(userId, campaignId, TimeSpan.FromSeconds(ttlSeconds)).Token;

    /// <summary>
    /// A token with any header, HMAC-SHA256-signed with any bytes: how an attacker who read our public key would
    /// try the algorithm confusion (alg HS256, the public key as the "secret").
    /// </summary>
    public static string Hs256WithKeyBytes(string headerJson, string payloadSegment, byte[] key)
    {
        var signed = $"{Base64Url.Encode(headerJson)}.{payloadSegment}";
        var mac = System.Security.Cryptography.HMACSHA256.HashData(key, System.Text.Encoding.ASCII.GetBytes(signed));
        return $"{signed}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(mac)}";
    }
}
