using System.Security.Cryptography;

namespace FlashSale.ClaimApi.Claims;

public sealed record ClaimResponse(string CouponCode, string CampaignId, string UserId, DateTimeOffset ClaimedAt, DateTimeOffset? ExpiresAt);

public static class CouponCodes
{
    // Crockford's base32: no I, L, O or U, so a code read aloud at a till is not misheard.
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>20 symbols of 5 bits: 100 random bits, past guessing even at millions of tries a second.</summary>
    public static string New()
    {
        Span<char> raw = stackalloc char[20];
        RandomNumberGenerator.GetItems(Alphabet, raw);
        return string.Create(23, raw.ToString(), static (dst, src) =>
        {
            for (int i = 0, j = 0; i < src.Length; i++)
            {
                if (i > 0 && i % 5 == 0)
                {
                    dst[j++] = '-';
                }
                dst[j++] = src[i];
            }
        });
    }

    public static bool IsWellFormed(string? code) =>
        code is { Length: 23 } && code.All(c => c == '-' || Alphabet.Contains(c));
}
