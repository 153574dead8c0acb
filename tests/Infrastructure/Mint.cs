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

    public static string Token(string campaignId, string userId, TimeProvider clock, int ttlSeconds = 300) =>
        new AdmissionTokens(Microsoft.Extensions.Options.Options.Create(Options()), clock).Issue(userId, campaignId, TimeSpan.FromSeconds(ttlSeconds)).Token;
}
