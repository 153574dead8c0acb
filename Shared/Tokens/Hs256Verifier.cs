using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FlashSale.Shared.Tokens;

/// <summary>
/// Checks HS256 tokens where every join, poll and claim presents one. IdentityModel's handler cost 3.5 µs and 3.5 KB
/// a token here, and the edge cached checked sessions to dodge it, which cost as much again in garbage collection. This
/// applies the rules <see cref="JwtCodec"/> gives the handler (algorithm pinned, key by kid only, issuer, audience,
/// lifetime with skew) and allocates only the claim strings it returns.
/// The signature is checked before a byte of the payload is read, so nothing but what one of our keys signed is parsed.
/// JwtCodecAgreementTests hold this and IdentityModel to the same verdict on valid, forged and damaged tokens.
/// </summary>
internal sealed class Hs256Verifier
{
    private const int StackLimit = 1024;
    private static readonly long MinSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long MaxSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    private readonly (byte[] Kid, byte[] Secret)[] keys;
    private readonly byte[] issuer;
    private readonly byte[] audience;

    // One keyed HMAC per key and thread, reset after each use: the key's inner and outer pads are hashed once, not per
    // token (a one-shot HMACSHA256.HashData sets the key up each time).
    private readonly ThreadLocal<IncrementalHash?[]> macs;

    public Hs256Verifier(IEnumerable<(string Kid, byte[] Secret)> keys, string issuer, string audience)
    {
        this.keys = keys.Select(k => (Encoding.UTF8.GetBytes(k.Kid), k.Secret)).ToArray();
        this.issuer = Encoding.UTF8.GetBytes(issuer);
        this.audience = Encoding.UTF8.GetBytes(audience);
        var count = this.keys.Length;
        macs = new ThreadLocal<IncrementalHash?[]>(() => new IncrementalHash?[count]);
    }

    /// <summary>The token's claims when it is ours and alive at <paramref name="now"/> within <paramref name="skew"/>.</summary>
    public TokenCheck Verify(string token, DateTimeOffset now, TimeSpan skew)
    {
        var firstDot = token.IndexOf('.');
        var secondDot = firstDot < 0 ? -1 : token.IndexOf('.', firstDot + 1);
        if (firstDot <= 0 || secondDot < 0 || token.IndexOf('.', secondDot + 1) >= 0 || !Ascii.IsValid(token))
        {
            return TokenCheck.Malformed;
        }
        // The signed bytes, then room to decode the header or the payload (either is shorter than its base64).
        var needed = secondDot * 2;
        byte[]? rented = null;
        var buffer = needed <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(needed));
        try
        {
            var signed = buffer[..secondDot];
            Encoding.ASCII.GetBytes(token.AsSpan(0, secondDot), signed);
            var scratch = buffer[secondDot..];

            if (!TryDecode(token.AsSpan(0, firstDot), scratch, out var header))
            {
                return TokenCheck.Malformed;
            }
            var (verdict, key) = KeyFor(header);
            if (key < 0)
            {
                return verdict;
            }
            if (!SignatureMatches(Mac(key), signed, token.AsSpan(secondDot + 1)))
            {
                return TokenCheck.BadSignature;
            }
            return TryDecode(token.AsSpan(firstDot + 1, secondDot - firstDot - 1), scratch, out var payload)
                ? ReadPayload(payload, now, skew)
                : TokenCheck.Malformed;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The secret the header's kid names, if the header is a JSON object pinning HS256. A header asking for a critical
    /// extension is refused: RFC 7515 (4.1.11) says one not understood fails the token, and we understand none.
    /// </summary>
    private (TokenCheck Verdict, int Key) KeyFor(ReadOnlySpan<byte> json)
    {
        var algorithm = false;
        var sawAlgorithm = false;
        var key = -1;
        var sawKid = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (TokenCheck.Malformed, -1);
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("alg"u8))
                {
                    reader.Read();
                    sawAlgorithm = true;
                    algorithm = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("HS256"u8);
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("kid"u8))
                {
                    reader.Read();
                    sawKid = reader.TokenType == JsonTokenType.String;
                    key = sawKid ? KeyOf(ref reader) : -1;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("crit"u8))
                {
                    return (TokenCheck.Unsupported, -1);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return (TokenCheck.Malformed, -1);
            }
        }
        catch (JsonException)
        {
            return (TokenCheck.Malformed, -1);
        }
        return !sawAlgorithm || !algorithm ? (TokenCheck.WrongAlgorithm, -1)
            : !sawKid || key < 0 ? (TokenCheck.UnknownKid, -1)
            : (TokenCheck.Malformed, key);
    }

    private int KeyOf(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < keys.Length; i++)
        {
            if (reader.ValueTextEquals(keys[i].Kid))
            {
                return i;
            }
        }
        return -1;
    }

    private IncrementalHash Mac(int key)
    {
        var perThread = macs.Value!;
        return perThread[key] ??= IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keys[key].Secret);
    }

    private static bool SignatureMatches(IncrementalHash mac, ReadOnlySpan<byte> signed, ReadOnlySpan<char> signature)
    {
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes + 3];
        if (Base64Url.DecodeFromChars(signature, given, out var consumed, out var written) != OperationStatus.Done
            || consumed != signature.Length || written != HMACSHA256.HashSizeInBytes)
        {
            return false;
        }
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        mac.AppendData(signed);
        mac.GetHashAndReset(expected);
        return CryptographicOperations.FixedTimeEquals(expected, given[..HMACSHA256.HashSizeInBytes]);
    }

    private static bool TryDecode(ReadOnlySpan<char> segment, Span<byte> into, out ReadOnlySpan<byte> decoded)
    {
        var status = Base64Url.DecodeFromChars(segment, into, out var consumed, out var written);
        decoded = into[..written];
        return status == OperationStatus.Done && consumed == segment.Length;
    }

    /// <summary>A signed payload: issuer and audience ours, an expiry, and alive now (both ends widened by the skew).</summary>
    private TokenCheck ReadPayload(ReadOnlySpan<byte> json, DateTimeOffset now, TimeSpan skew)
    {
        string? subject = null, device = null, campaign = null, tokenId = null;
        var issuerMatches = false;
        var audienceMatches = false;
        long? expires = null, notBefore = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return TokenCheck.Malformed;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader;
                reader.Read();
                if (name.ValueTextEquals("sub"u8))
                {
                    subject = StringOf(ref reader);
                }
                else if (name.ValueTextEquals("dev"u8))
                {
                    device = StringOf(ref reader);
                }
                else if (name.ValueTextEquals(AdmissionTokens.CampaignClaim))
                {
                    campaign = StringOf(ref reader);
                }
                else if (name.ValueTextEquals("jti"u8))
                {
                    tokenId = StringOf(ref reader);
                }
                else if (name.ValueTextEquals("iss"u8))
                {
                    issuerMatches = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(issuer);
                    reader.Skip();
                }
                else if (name.ValueTextEquals("aud"u8))
                {
                    audienceMatches = AudienceMatches(ref reader);
                }
                else if (name.ValueTextEquals("exp"u8))
                {
                    expires = SecondsOf(ref reader);
                }
                else if (name.ValueTextEquals("nbf"u8))
                {
                    notBefore = SecondsOf(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return TokenCheck.Malformed;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return TokenCheck.Malformed;
        }
        if (expires is not { } exp)
        {
            return TokenCheck.NoExpiry;
        }
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(exp);
        if (expiresAt <= now - skew || (notBefore is { } nbf && DateTimeOffset.FromUnixTimeSeconds(nbf) > now + skew))
        {
            return TokenCheck.Expired;
        }
        if (!audienceMatches)
        {
            return TokenCheck.WrongAudience;
        }
        return issuerMatches
            ? new TokenCheck(new VerifiedToken(subject, device, campaign, tokenId, expiresAt), null)
            : TokenCheck.WrongIssuer;
    }

    private bool AudienceMatches(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.ValueTextEquals(audience);
        }
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }
        var any = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            any |= reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(audience);
            reader.Skip();
        }
        return any;
    }

    private static string? StringOf(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }
        reader.Skip();
        return null;
    }

    /// <summary>NumericDate (RFC 7519): seconds, possibly with a fraction, which a whole-second check rounds down.</summary>
    private static long? SecondsOf(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            reader.Skip();
            return null;
        }
        // Clamped to what a DateTimeOffset holds: a date past 9999 is still a date in the future.
        var seconds = reader.TryGetInt64(out var whole) ? whole : (long)Math.Clamp(Math.Floor(reader.GetDouble()), MinSeconds, MaxSeconds);
        return Math.Clamp(seconds, MinSeconds, MaxSeconds);
    }
}
