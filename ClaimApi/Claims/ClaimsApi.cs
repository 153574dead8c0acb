using FlashSale.ClaimApi.Inventory;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Data;
using FlashSale.Shared.Hosting;
using FlashSale.Shared.Problems;
using FlashSale.Shared.Tokens;
using Microsoft.Extensions.Options;

namespace FlashSale.ClaimApi.Claims;

public static class ClaimsApi
{
    private static readonly TimeSpan RetrySoon = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapClaims(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/campaigns/{id}/claims", ClaimAsync);
        app.MapGet("/api/me/coupons", async (HttpContext http, SessionTokens sessions, ClaimQueries queries, TimeProvider time) =>
        {
            var (session, error) = await sessions.ValidateAsync(JwtCodec.Bearer(http.Request.Headers.Authorization));
            return session is null
                ? Problem.Unauthenticated(error ?? "A shopper session is required.")
                : Results.Ok(await queries.ForUserAsync(session.UserId, time.GetUtcNow()));
        });
        return app;
    }

    private static async Task<IResult> ClaimAsync(
        string id, HttpContext http, AdmissionTokens tokens, CampaignDirectory campaigns, StockRegistry registry, ClaimWriter writer,
        TimeProvider time, IOptions<ClaimApiOptions> options)
    {
        var (admission, error) = await tokens.ValidateAsync(JwtCodec.Bearer(http.Request.Headers.Authorization));
        if (admission is null)
        {
            return Problem.Unauthenticated(error ?? "An admission token is required.");
        }
        if (admission.CampaignId != id)
        {
            return Problem.Forbidden("The admission token is for another campaign.");
        }
        if (await campaigns.GetAsync(id) is not { } campaign)
        {
            return Problem.NotFound($"No campaign '{id}'.");
        }
        var now = time.GetUtcNow().ToMicroseconds();
        switch (campaign.StateAt(now))
        {
            case CampaignState.Scheduled:
                return Problem.NotLive("The campaign has not started yet.");
            case CampaignState.Ended or CampaignState.Cancelled:
                return Problem.NotLive("The campaign is over.");
        }

        var stock = registry.For(campaign);
        var take = await stock.TakeAsync();
        if (take.Status != TakeStatus.Taken)
        {
            if (take.Status == TakeStatus.Unavailable)
            {
                return Problem.Overloaded("Inventory is unavailable for a moment.", RetrySoon);
            }
            // A winner asking again after the last unit went still gets their own coupon back.
            return stock.HolderOf(admission.UserId) is { } held
                ? JsonAnswer.Ok(held, ClaimJson.Default.ClaimResponse)
                : Problem.SoldOut("Every unit of this campaign has been claimed.");
        }

        var claimedAt = now.UtcDateTime;
        DateTime? expiresAt = campaign.Coupon.ValidForSeconds is { } valid ? claimedAt.AddSeconds(valid) : null;
        // A cart hold only matters while others can still claim the unit, so one that would lapse after the end is not set.
        DateTime? holdUntil = campaign.Coupon.HoldSeconds is { } hold && claimedAt.AddSeconds(hold) < campaign.EndsAt.UtcDateTime
            ? claimedAt.AddSeconds(hold) : null;
        var claim = new PendingClaim(id, admission.UserId, CouponCodes.New(), claimedAt, expiresAt, holdUntil, take.Slot!, stock);
        if (!writer.TryEnqueue(claim))
        {
            stock.Settle(take.Slot!, committed: false);
            return Problem.Overloaded("Too many claims are waiting to be written.", RetrySoon);
        }
        ClaimOutcome outcome;
        try
        {
            outcome = await claim.Done.Task.WaitAsync(TimeSpan.FromMilliseconds(options.Value.CommitTimeoutMilliseconds));
        }
        catch (TimeoutException)
        {
            // The write may still land; a retry then answers 200 with the coupon, so nothing acknowledged is lost.
            return Problem.Overloaded("The claim could not be confirmed in time; retry to learn its outcome.", RetrySoon);
        }
        return outcome switch
        {
            { Created: { } created } => JsonAnswer.Created($"/api/coupons/{created.CouponCode}", created, ClaimJson.Default.ClaimResponse),
            { Existing: { } existing } => JsonAnswer.Ok(existing, ClaimJson.Default.ClaimResponse),
            { Cancelled: true } => Problem.NotLive("The campaign has been cancelled."),
            _ => Problem.Overloaded("The claim could not be written; nothing was saved.", RetrySoon),
        };
    }
}
