using FlashSale.ClaimApi.Bench;
using FlashSale.ClaimApi.Claims;
using FlashSale.ClaimApi.Coupons;
using FlashSale.ClaimApi.Extensions;
using FlashSale.Shared.Hosting;
using Microsoft.Extensions.Options;

namespace FlashSale.ClaimApi;

/// <summary>Builds the claim service; tests call this with their own configuration and clock.</summary>
public static class ClaimApiApp
{
    public static WebApplication Create(string[] args, Action<IServiceCollection>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults("flashsale-claimapi").AddClaimApiServices();
        overrides?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapClaims();
        app.MapCoupons();
        if (app.Services.GetRequiredService<IOptions<ClaimApiOptions>>().Value.BenchEndpoints)
        {
            app.MapBench();
            app.MapTextbookClaims();
        }
        return app;
    }
}
