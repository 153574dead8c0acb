using FlashSale.Shared.Tokens;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Tokens;

public static class TokenFactory
{
    public static AdmissionTokenOptions Options(string kid = "test-1", string secret = FlashSaleSystem.AdmissionSecret)
    {
        var options = new AdmissionTokenOptions();
        options.Keys.Add(new SigningKeyOptions { Kid = kid, Secret = secret });
        return options;
    }
}
