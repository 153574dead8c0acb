using System.Security.Cryptography;

namespace FlashSale.Shared.Campaigns;

public static class CampaignIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string New() => "c_" + RandomNumberGenerator.GetString(Alphabet, 12);

    /// <summary>Ids end up inside Redis keys and URLs, so anything outside a tight alphabet is refused before it gets there.</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
