using FlashSale.Shared.Problems;
using FlashSale.Shared.Tokens;
using FlashSale.WaitingRoom.Campaigns;
using FlashSale.WaitingRoom.Queue;
using Microsoft.Extensions.Options;

namespace FlashSale.WaitingRoom.LiveUpdates;

public static class LiveUpdatesApi
{
    private static readonly TimeSpan FirstReadTimeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddLiveUpdates(this IServiceCollection services)
    {
        services.AddOptions<LiveUpdatesOptions>().BindConfiguration(LiveUpdatesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LiveFeeds>();
        return services;
    }

    public static IEndpointRouteBuilder MapLiveUpdates(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/campaigns/{id}/events", StreamAsync);
        return app;
    }

    private static async Task<IResult> StreamAsync(
        string id, HttpContext http, SessionTokens sessions, CampaignCache cache, LiveFeeds feeds, QueueService queue,
        IOptions<LiveUpdatesOptions> options, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<CampaignFeed> log)
    {
        // EventSource cannot set headers, so the page passes its session in the query instead.
        var bearer = JwtCodec.Bearer(http.Request.Headers.Authorization) ?? http.Request.Query["access_token"].ToString();
        if (string.IsNullOrEmpty(bearer))
        {
            return Problem.Unauthenticated("A shopper session is required: Authorization: Bearer <session token>, or ?access_token=<session token>.");
        }
        var (session, error) = await sessions.ValidateAsync(bearer);
        if (session is null)
        {
            return Problem.Unauthenticated(error ?? "The session is not valid.");
        }
        if (await cache.GetAsync(id) is not { } campaign)
        {
            return Problem.NotFound($"No campaign '{id}'.");
        }

        // Streams end with the edge, or shutdown would wait out every open one.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var feed = feeds.Acquire(campaign);
        try
        {
            try
            {
                await feed.Ready.WaitAsync(FirstReadTimeout, time, stopping.Token);
            }
            catch (TimeoutException)
            {
                return Problem.Overloaded("Live updates are unavailable for a moment; poll the queue instead.", TimeSpan.FromSeconds(5));
            }
            await new EventStream(feed, session, queue, options.Value, time, log).RunAsync(http, stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The shopper left, the feed stopped or the edge is stopping: the stream simply ends.
        }
        finally
        {
            await feeds.ReleaseAsync(feed);
        }
        return Results.Empty;
    }
}
