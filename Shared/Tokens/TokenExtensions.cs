using Microsoft.Extensions.DependencyInjection;

namespace FlashSale.Shared.Tokens;

public static class TokenExtensions
{
    public static IServiceCollection AddAdmissionTokens(this IServiceCollection services)
    {
        services.AddOptions<AdmissionTokenOptions>().BindConfiguration(AdmissionTokenOptions.Section).ValidateDataAnnotations().ValidateOnStart();
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
