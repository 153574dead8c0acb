using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Problems;

namespace FlashSale.WaitingRoom.Campaigns;

public sealed record PublicCampaign(
    string Id,
    string Name,
    string State,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    DateTimeOffset ServerTime,
    int Stock,
    int Remaining);

public static class PublicCampaignsApi
{
    public static RouteGroupBuilder MapPublicCampaigns(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/campaigns");
        group.MapGet("/", async (CampaignCache cache, Inventory inventory, TimeProvider time) =>
        {
            var now = time.GetUtcNow();
            var result = new List<PublicCampaign>();
            foreach (var c in (await cache.ListAsync()).OrderBy(c => c.StartsAt))
            {
                var view = await ViewAsync(c, inventory, now);
                if (view.State is "scheduled" or "live")
                {
                    result.Add(view);
                }
            }
            return TypedResults.Ok(result);
        });
        group.MapGet("/{id}", async (string id, CampaignCache cache, Inventory inventory, TimeProvider time) =>
            await cache.GetAsync(id) is { } c
                ? Results.Ok(await ViewAsync(c, inventory, time.GetUtcNow()))
                : Problem.NotFound($"No campaign '{id}'."));
        return group;
    }

    public static async Task<PublicCampaign> ViewAsync(Campaign c, Inventory inventory, DateTimeOffset now)
    {
        var (remaining, closed) = await inventory.ReadAsync(c);
        var state = c.StateAt(now, closed ? 0 : remaining);
        return new PublicCampaign(c.Id, c.Name, state.ToWire(), c.StartsAt, c.EndsAt, now, c.Stock, Inventory.Bucket(remaining));
    }
}
