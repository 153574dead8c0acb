using FlashSale.Admin.Campaigns;
using FlashSale.Admin.Dashboard;
using FlashSale.Admin.Extensions;
using FlashSale.Shared.Hosting;

namespace FlashSale.Admin;

/// <summary>Builds the Admin service; tests call this with their own configuration and clock.</summary>
public static class AdminApp
{
    public static WebApplication Create(string[] args, Action<IServiceCollection>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults("flashsale-admin").AddAdminServices();
        overrides?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapAdminCampaigns();
        app.MapDashboard();
        return app;
    }
}
