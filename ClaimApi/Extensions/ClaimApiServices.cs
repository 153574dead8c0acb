using FlashSale.ClaimApi.Claims;
using FlashSale.ClaimApi.Coupons;
using FlashSale.ClaimApi.Inventory;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Data;
using FlashSale.Shared.Redis;
using FlashSale.Shared.Tokens;

namespace FlashSale.ClaimApi.Extensions;

public static class ClaimApiServices
{
    public static WebApplicationBuilder AddClaimApiServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ClaimApiOptions>().BindConfiguration(ClaimApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddPostgres(builder.Configuration).AddMigrateOnStart();
        services.AddRedis(builder.Configuration);
        services.AddAdmissionTokens().AddSessionTokens();
        services.AddSingleton<CampaignStore>();
        services.AddSingleton<CampaignDirectory>();
        services.AddSingleton<AdmissionCursor>();
        services.AddSingleton<LeaseStore>();
        services.AddSingleton<StockRegistry>();
        services.AddSingleton<EdgeSignals>();
        services.AddSingleton<ClaimQueries>();
        services.AddSingleton<CouponStore>();
        services.AddSingleton<ClaimWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<ClaimWriter>());
        services.AddHostedService<LeaseKeeper>();
        services.AddHostedService<SoldOutWatcher>();
        services.AddHostedService<HoldReaper>();
        return builder;
    }
}
