using System.Security.Cryptography;

namespace FlashSale.ClaimApi.Claims;

/// <summary>A claimed coupon; <c>expiresAt</c> is whichever comes first of the cart hold and the redemption deadline.</summary>
public sealed record ClaimResponse(string CouponCode, string CampaignId, string UserId, DateTimeOffset ClaimedAt, DateTimeOffset? ExpiresAt)
{
    public static ClaimResponse Create(string code, string campaignId, string userId, DateTime claimedAt, DateTime? expiresAt, DateTime? holdUntil)
    {
        var deadline = (expiresAt, holdUntil) switch
        {
            ({ } e, { } h) => e < h ? e : h,
            ({ } e, null) => e,
            (null, { } h) => h,
            _ => (DateTime?)null,
        };
        return new(code, campaignId, userId, Utc(claimedAt), deadline is { } d ? Utc(d) : null);
    }

    public static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
}

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
