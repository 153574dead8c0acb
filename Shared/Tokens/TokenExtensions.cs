using Microsoft.Extensions.DependencyInjection;

namespace FlashSale.Shared.Tokens;

public static class TokenExtensions
{
    /// <summary>
    /// <paramref name="issues"/>: this service signs admission tokens (the edge), so its current key must be a
    /// private key; a verifier (ClaimApi) runs with public keys alone.
    /// </summary>
    public static IServiceCollection AddAdmissionTokens(this IServiceCollection services, bool issues = false)
    {
        var options = services.AddOptions<AdmissionTokenOptions>().BindConfiguration(AdmissionTokenOptions.Section).ValidateDataAnnotations();
        if (issues)
        {
            // A set that does not load is already reported by the data annotations; this adds only what signing needs.
            options.Validate(
                o => TokenKeySet.TryLoad(o, o.SectionName, []) is not { CanSign: false },
                $"{AdmissionTokenOptions.Section}: this service issues admission tokens, so the current key (CurrentKid, or the first key) needs its private key (PrivateKeyPem or PrivateKeyFile); public keys alone are for verifiers such as ClaimApi.");
        }
        options.ValidateOnStart();
        services.AddSingleton<AdmissionTokens>();
        return services;
    }

    public static IServiceCollection AddSessionTokens(this IServiceCollection services)
    {
        services.AddOptions<SessionTokenOptions>().BindConfiguration(SessionTokenOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SessionTokens>();
        return services;
    }
}
