using FlashSale.Shared.Data;
using FlashSale.Shared.Redis;
using FlashSale.Shared.Tokens;
using FlashSale.WaitingRoom.Admission;
using FlashSale.WaitingRoom.Campaigns;
using FlashSale.WaitingRoom.LiveUpdates;
using FlashSale.WaitingRoom.Proxy;
using FlashSale.WaitingRoom.Queue;
using FlashSale.WaitingRoom.RateLimits;

namespace FlashSale.WaitingRoom.Extensions;

public static class WaitingRoomServices
{
    public static WebApplicationBuilder AddWaitingRoomServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WaitingRoomOptions>().BindConfiguration(WaitingRoomOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRedis(builder.Configuration);
        services.AddAdmissionTokens(issues: true).AddSessionTokens();
        services.AddSingleton<AdmissionCursor>();
        services.AddSingleton<CampaignCache>();
        services.AddSingleton<Inventory>();
        services.AddSingleton<QueueService>();
        services.AddHostedService<AdmissionTicker>();
        services.AddLiveUpdates();
        services.AddEdgeProxy();
        services.AddShopperRateLimits();
        return builder;
    }
}
