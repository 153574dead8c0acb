using FlashSale.Shared.Hosting;
using FlashSale.WaitingRoom.Campaigns;
using FlashSale.WaitingRoom.Extensions;
using FlashSale.WaitingRoom.LiveUpdates;
using FlashSale.WaitingRoom.Queue;
using FlashSale.WaitingRoom.QueuePage;
using FlashSale.WaitingRoom.Sessions;
using FlashSale.WaitingRoom.Tokens;

namespace FlashSale.WaitingRoom;

/// <summary>Builds the edge; tests call this with their own configuration and clock.</summary>
public static class WaitingRoomApp
{
    public static WebApplication Create(string[] args, Action<IServiceCollection>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults("flashsale-waitingroom").AddWaitingRoomServices();
        overrides?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseServiceDefaults();
        app.UseRateLimiter();
        if (app.Environment.IsDevelopment())
        {
            app.MapDevSessions();
        }
        app.MapPublicCampaigns();
        app.MapQueue();
        app.MapLiveUpdates();
        app.MapQueuePage();
        app.MapJwks();
        app.MapReverseProxy();
        return app;
    }
}
