using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Hosting;
using FlashSale.Shared.Problems;

namespace FlashSale.WaitingRoom.QueuePage;

/// <summary>
/// The shopper's page at <c>/c/{campaignId}</c>: one static HTML file for every campaign (the script reads the id from
/// the address), so a CDN can cache it and two million arrivals cost the edge nothing until they call the API.
/// </summary>
public static class QueuePageApi
{
    // Revalidated rather than cached blind, so a deploy reaches pages at once; the ETag keeps revalidation to a 304.
    private static readonly EmbeddedAssets Assets = new(typeof(QueuePageApi).Assembly, "FlashSale.WaitingRoom.QueuePage.",
        "public, max-age=60, must-revalidate", "queue.html", "queue.css", "queue.js");

    public static IEndpointRouteBuilder MapQueuePage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/c/{id}", (string id, HttpContext http) =>
            CampaignIds.IsWellFormed(id) ? Assets.Serve(http, "queue.html") : Problem.NotFound($"No campaign '{id}'."));
        Assets.MapAssets(app, "/c/assets", "queue.html");
        return app;
    }
}
