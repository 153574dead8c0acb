using FlashSale.Shared.Campaigns;
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

        group.MapPost("/", async (string id, HttpContext http, SessionTokens sessions, CampaignCache cache, Inventory inventory, QueueService queue, TimeProvider time) =>
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
            var (remaining, closed) = await inventory.ReadAsync(campaign);
            switch (campaign.StateAt(time.GetUtcNow(), closed ? 0 : remaining))
            {
                case CampaignState.Ended or CampaignState.Cancelled:
                    return Problem.NotLive("The campaign has ended.");
                case CampaignState.SoldOut:
                    return Problem.SoldOut("Every unit of this campaign has been claimed.");
            }
            return TypedResults.Accepted($"/api/campaigns/{id}/queue", await queue.JoinAsync(campaign, session.UserId));
        });

        group.MapGet("/", async (string id, HttpContext http, SessionTokens sessions, CampaignCache cache, QueueService queue) =>
        {
            var (session, refusal) = await ShopperSession.AuthenticateAsync(http, sessions);
            if (session is null)
            {
                return refusal!;
            }
            return await cache.GetAsync(id) is { } campaign
                ? Results.Ok(await queue.StatusAsync(campaign, session.UserId))
                : Problem.NotFound($"No campaign '{id}'.");
        });
        return group;
    }
}
