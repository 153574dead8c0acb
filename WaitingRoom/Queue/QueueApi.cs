using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Hosting;
using FlashSale.Shared.Problems;
using FlashSale.Shared.Tokens;
using FlashSale.WaitingRoom.Campaigns;
using FlashSale.WaitingRoom.Sessions;

namespace FlashSale.WaitingRoom.Queue;

public static class QueueApi
{
    public static RouteGroupBuilder MapQueue(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/campaigns/{id}/queue");
        // Made at startup rather than by the first request, which comes in a storm: it subscribes to the other edges'
        // leaves. Not before the start, whose option checks must be what refuses a bad configuration.
        var services = app.ServiceProvider;
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => services.GetRequiredService<QueueService>());

        group.MapPost("/", async (string id, HttpContext http, SessionTokens sessions, CampaignCache cache, QueueService queue, TimeProvider time) =>
        {
            var (session, refusal) = await ShopperSession.AuthenticateAsync(http, sessions);
            if (session is null)
            {
                return refusal!;
            }
            if (await cache.GetAsync(id) is not { } campaign)
            {
                return Problem.NotFound($"No campaign '{id}'.");
            }
            switch (campaign.StateAt(time.GetUtcNow()))
            {
                case CampaignState.Cancelled:
                    return Problem.NotLive("The campaign has been cancelled.");
                case CampaignState.Ended:
                    return Problem.NotLive("The campaign has ended.");
            }
            return await queue.JoinAsync(campaign, session.UserId) is { } joined
                ? JsonAnswer.Accepted($"/api/campaigns/{id}/queue", joined, QueueJson.Default.QueueStatusResponse)
                : Problem.SoldOut("Every unit of this campaign has been claimed.");
        });

        group.MapGet("/", async (string id, HttpContext http, SessionTokens sessions, CampaignCache cache, QueueService queue) =>
        {
            var (session, refusal) = await ShopperSession.AuthenticateAsync(http, sessions);
            if (session is null)
            {
                return refusal!;
            }
            return await cache.GetAsync(id) is { } campaign
                ? JsonAnswer.Ok(await queue.StatusAsync(campaign, session.UserId), QueueJson.Default.QueueStatusResponse)
                : Problem.NotFound($"No campaign '{id}'.");
        });

        // Giving up frees the place at once (and an open turn goes to the next shopper) instead of at expiry.
        group.MapDelete("/", async (string id, HttpContext http, SessionTokens sessions, CampaignCache cache, QueueService queue) =>
        {
            var (session, refusal) = await ShopperSession.AuthenticateAsync(http, sessions);
            if (session is null)
            {
                return refusal!;
            }
            if (await cache.GetAsync(id) is not { } campaign)
            {
                return Problem.NotFound($"No campaign '{id}'.");
            }
            return await queue.LeaveAsync(campaign, session.UserId)
                ? Results.NoContent()
                : Problem.NotFound("You are not in this campaign's queue.");
        });
        return group;
    }
}
