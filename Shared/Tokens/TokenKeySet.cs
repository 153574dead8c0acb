using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace FlashSale.Shared.Tokens;

/// <summary>A public key as RFC 7517 writes it; there is no member for a private part, so none can leak.</summary>
public sealed record Jwk(string Kty, string Crv, string X, string Y, string Kid, string Use, string Alg);

/// <summary>The body of <c>/.well-known/jwks.json</c>.</summary>
public sealed record JwkSet(IReadOnlyList<Jwk> Keys);

/// <summary>The keys of a <see cref="TokenOptions"/>, loaded once and checked: what the codec signs and validates with.</summary>
public sealed class TokenKeySet
{
    // P-256 by OID: brainpoolP256r1 is also a named 256-bit curve, and ES256 (RFC 7518) means P-256 only.
    private const string P256Oid = "1.2.840.10045.3.1.7";

    private TokenKeySet(string algorithm, IReadOnlyList<SecurityKey> keys, SecurityKey current, bool canSign, IReadOnlyList<Jwk> publicKeys)
    {
        Algorithm = algorithm;
        Keys = keys;
        Current = current;
        CanSign = canSign;
        PublicKeys = publicKeys;
    }

    /// <summary><see cref="TokenOptions.HS256"/> or <see cref="TokenOptions.ES256"/>.</summary>
    public string Algorithm { get; }

    /// <summary>Every key of the set; a token's kid picks one of these or the token is refused.</summary>
    public IReadOnlyList<SecurityKey> Keys { get; }

    public SecurityKey Current { get; }

    /// <summary>False for an ES256 verifier, which holds public keys only.</summary>
    public bool CanSign { get; }

    /// <summary>The ES256 public keys for a JWKS; empty for HS256, whose keys are secrets.</summary>
    public IReadOnlyList<Jwk> PublicKeys { get; }

    public string SecurityAlgorithm => Algorithm == TokenOptions.ES256 ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.HmacSha256;

    public static TokenKeySet Load(TokenOptions options, string section)
    {
        var errors = new List<string>();
        return TryLoad(options, section, errors) ?? throw new InvalidOperationException(string.Join(" ", errors));
    }

    /// <summary>Collects every problem rather than the first, so one start-up tells an operator all there is to fix.</summary>
    public static TokenKeySet? TryLoad(TokenOptions options, string section, List<string> errors)
    {
        var algorithm = options.Algorithm?.Trim().ToUpperInvariant() switch
        {
            TokenOptions.HS256 => TokenOptions.HS256,
            TokenOptions.ES256 => TokenOptions.ES256,
            _ => null,
        };
        if (algorithm is null)
        {
            errors.Add($"{section}:Algorithm is '{options.Algorithm}'; use HS256 or ES256.");
            return null;
        }
        if (options.Keys.Count == 0)
        {
            errors.Add(algorithm == TokenOptions.HS256
                ? $"{section}:Keys is empty: configure at least one key with a Kid and a Secret."
                : $"{section}:Keys is empty: configure at least one key with a Kid and a PrivateKeyPem or PrivateKeyFile (the signer) or a PublicKeyPem or PublicKeyFile (a verifier).");
            return null;
        }

        var keys = new List<SecurityKey>();
        var publicKeys = new List<Jwk>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var signers = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var k = options.Keys[i];
            var at = $"{section}:Keys:{i}";
            if (string.IsNullOrWhiteSpace(k.Kid))
            {
                errors.Add($"{at}:Kid is missing.");
                continue;
            }
            if (!seen.Add(k.Kid))
            {
                errors.Add($"{at}:Kid '{k.Kid}' appears twice; each key needs its own kid.");
                continue;
            }
            SecurityKey? key = algorithm == TokenOptions.HS256 ? LoadSecret(k, at, errors) : LoadEcKey(k, at, errors, publicKeys, signers);
            if (key is not null)
            {
                keys.Add(key);
            }
        }

        var current = string.IsNullOrEmpty(options.CurrentKid) ? keys.FirstOrDefault() : keys.FirstOrDefault(k => k.KeyId == options.CurrentKid);
        if (!string.IsNullOrEmpty(options.CurrentKid) && !seen.Contains(options.CurrentKid))
        {
            errors.Add($"{section}:CurrentKid '{options.CurrentKid}' names none of the configured keys ({string.Join(", ", seen)}).");
        }
        if (errors.Count > 0 || current is null)
        {
            return null;
        }
        var canSign = current is SymmetricSecurityKey || signers.Contains(current.KeyId);
        return new TokenKeySet(algorithm, keys, current, canSign, publicKeys);
    }

    private static SymmetricSecurityKey? LoadSecret(SigningKeyOptions k, string at, List<string> errors)
    {
        if (HasAny(k.PrivateKeyPem, k.PrivateKeyFile, k.PublicKeyPem, k.PublicKeyFile))
        {
            errors.Add($"{at} ('{k.Kid}') has an EC key but the algorithm is HS256; set Algorithm to ES256 or give a Secret.");
            return null;
        }
        if (k.Secret is null || System.Text.Encoding.UTF8.GetByteCount(k.Secret) < 32)
        {
            errors.Add($"{at}:Secret ('{k.Kid}') must be at least 32 bytes.");
            return null;
        }
        return new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(k.Secret)) { KeyId = k.Kid };
    }

    private static ECDsaSecurityKey? LoadEcKey(SigningKeyOptions k, string at, List<string> errors, List<Jwk> publicKeys, HashSet<string> signers)
    {
        if (!string.IsNullOrEmpty(k.Secret))
        {
            // A shared secret next to ES256 means one was handed out that no one should hold; refuse rather than ignore it.
            errors.Add($"{at}:Secret ('{k.Kid}') is set but the algorithm is ES256, which takes PrivateKeyPem/PrivateKeyFile or PublicKeyPem/PublicKeyFile; remove the secret.");
            return null;
        }
        var given = new (string Name, string? Value, bool IsFile, bool IsPrivate)[]
        {
            ("PrivateKeyPem", k.PrivateKeyPem, false, true),
            ("PrivateKeyFile", k.PrivateKeyFile, true, true),
            ("PublicKeyPem", k.PublicKeyPem, false, false),
            ("PublicKeyFile", k.PublicKeyFile, true, false),
        }.Where(g => !string.IsNullOrWhiteSpace(g.Value)).ToList();
        if (given.Count != 1)
        {
            errors.Add(given.Count == 0
                ? $"{at} ('{k.Kid}') has no key: give one of PrivateKeyPem, PrivateKeyFile (the signer), PublicKeyPem, PublicKeyFile (a verifier)."
                : $"{at} ('{k.Kid}') has {string.Join(" and ", given.Select(g => g.Name))}: give exactly one (a private key implies its public key).");
            return null;
        }
        var (name, value, isFile, isPrivate) = given[0];
        string pem;
        if (isFile)
        {
            try
            {
                pem = File.ReadAllText(value!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{at}:{name} ('{k.Kid}'): cannot read '{value}': {e.Message}");
                return null;
            }
        }
        else
        {
            pem = value!;
        }

        if (!PemEncoding.TryFind(pem, out var fields))
        {
            errors.Add($"{at}:{name} ('{k.Kid}') is not PEM: expected a '-----BEGIN {(isPrivate ? "PRIVATE KEY" : "PUBLIC KEY")}-----' block.");
            return null;
        }
        var label = pem[fields.Label];
        var expected = isPrivate ? label is "PRIVATE KEY" or "EC PRIVATE KEY" : label is "PUBLIC KEY";
        if (!expected)
        {
            errors.Add(!isPrivate && label.Contains("PRIVATE", StringComparison.Ordinal)
                ? $"{at}:{name} ('{k.Kid}') holds a private key; a verifier must get the public key only (openssl pkey -in key.pem -pubout)."
                : $"{at}:{name} ('{k.Kid}') is a '{label}' PEM block; expected {(isPrivate ? "'PRIVATE KEY' or 'EC PRIVATE KEY' (unencrypted)" : "'PUBLIC KEY'")}.");
            return null;
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
            var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
            if (parameters.Curve.Oid?.Value != P256Oid)
            {
                errors.Add($"{at}:{name} ('{k.Kid}') is on curve {parameters.Curve.Oid?.FriendlyName ?? parameters.Curve.Oid?.Value ?? "(unnamed)"}; ES256 needs P-256 (prime256v1).");
                ecdsa.Dispose();
                return null;
            }
            publicKeys.Add(new Jwk("EC", "P-256", Base64UrlEncoder.Encode(parameters.Q.X!), Base64UrlEncoder.Encode(parameters.Q.Y!), k.Kid, "sig", TokenOptions.ES256));
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            errors.Add($"{at}:{name} ('{k.Kid}') is not a valid EC key: {e.Message}");
            ecdsa.Dispose();
            return null;
        }
        if (isPrivate)
        {
            signers.Add(k.Kid);
        }
        return new ECDsaSecurityKey(ecdsa) { KeyId = k.Kid };
    }

    private static bool HasAny(params string?[] values) => values.Any(v => !string.IsNullOrWhiteSpace(v));
}
