using FlashSale.Admin.Audit;
using FlashSale.Admin.Campaigns;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Data;
using FlashSale.Shared.Redis;

namespace FlashSale.Admin.Extensions;

public static class AdminServices
{
    public static WebApplicationBuilder AddAdminServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddPostgres(builder.Configuration).AddMigrateOnStart();
        services.AddRedis(builder.Configuration);
        services.AddSingleton<CampaignStore>();
        services.AddSingleton<AdmissionCursor>();
        services.AddSingleton<CampaignPublisher>();
        services.AddSingleton<CampaignMetrics>();
        services.AddSingleton<AuditLog>();
        services.AddHostedService<CampaignSync>();
        return builder;
    }
}
