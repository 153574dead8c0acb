using FlashSale.Admin.Audit;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Data;
using FlashSale.Shared.Hosting;
using FlashSale.Shared.Problems;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FlashSale.Admin.Campaigns;

public sealed record CampaignResponse(
    string Id,
    string Name,
    string State,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    int DurationSeconds,
    int Stock,
    int Remaining,
    int PerUserLimit,
    CouponSettings Coupon,
    AdmissionSettings Admission,
    DateTimeOffset? CancelledAt,
    DateTimeOffset CreatedAt)
{
    public static CampaignResponse From(Campaign c, int remaining, DateTimeOffset now) => new(
        c.Id, c.Name, c.StateAt(now, remaining).ToWire(), c.StartsAt, c.EndsAt, (int)(c.EndsAt - c.StartsAt).TotalSeconds,
        c.Stock, remaining, c.PerUserLimit, c.Coupon, c.Admission, c.CancelledAt, c.CreatedAt);
}

public static class CampaignsApi
{
    public static RouteGroupBuilder MapAdminCampaigns(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin")
            .RequireApiKey(sp => sp.GetRequiredService<IOptions<AdminOptions>>().Value.ApiKey, "admin");

        group.MapPost("/campaigns", CreateAsync);
        group.MapGet("/campaigns", ListAsync);
        group.MapGet("/campaigns/{id}", GetAsync);
        group.MapPatch("/campaigns/{id}", CampaignUpdate.PatchAsync);
        group.MapGet("/campaigns/{id}/metrics", async (string id, CampaignMetrics metrics) =>
            await metrics.ReadAsync(id) is { } m ? Results.Ok(m) : Problem.NotFound($"No campaign '{id}'."));
        group.MapPut("/campaigns/{id}/admission", UpdateAdmissionAsync);
        group.MapPost("/campaigns/{id}/cancel", CancelAsync);
        AuditLog.MapAudit(group);
        return group;
    }

    private static async Task<IResult> CreateAsync(
        CreateCampaignRequest? request, HttpContext http, NpgsqlDataSource db, CampaignStore store, CampaignPublisher publisher, AuditLog audit, TimeProvider time)
    {
        if (request is null)
        {
            return Problem.Validation("body", "A JSON body is required.");
        }
        var now = time.GetUtcNow();
        var (campaign, errors) = CampaignValidation.Validate(request, now);
        if (campaign is null)
        {
            return Problem.Validation(errors);
        }
        await using (var conn = await db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await store.InsertAsync(campaign, conn, tx);
            await audit.RecordAsync(conn, tx, Actor(http), "campaign.create", campaign.Id, request);
            await tx.CommitAsync();
        }
        await publisher.PublishAsync(campaign);
        return TypedResults.Created($"/api/admin/campaigns/{campaign.Id}", CampaignResponse.From(campaign, campaign.Stock, now));
    }

    private static async Task<IResult> ListAsync(CampaignStore store, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var campaigns = await store.ListAsync();
        var remaining = await store.RemainingByCampaignAsync();
        return TypedResults.Ok(campaigns.Select(c => CampaignResponse.From(c, remaining.GetValueOrDefault(c.Id, c.Stock), now)).ToList());
    }

    private static async Task<IResult> GetAsync(string id, CampaignStore store, TimeProvider time) =>
        await store.GetAsync(id) is { } c
            ? TypedResults.Ok(CampaignResponse.From(c, await store.RemainingAsync(id), time.GetUtcNow()))
            : Problem.NotFound($"No campaign '{id}'.");

    private static async Task<IResult> UpdateAdmissionAsync(
        string id, AdmissionUpdateRequest? request, HttpContext http, NpgsqlDataSource db, CampaignPublisher publisher, AuditLog audit)
    {
        if (request is null)
        {
            return Problem.Validation("body", "A JSON body is required.");
        }
        var errors = new Dictionary<string, string[]>();
        CampaignValidation.ValidateRate(request.RatePerSecond, request.MaxActive, (f, m) => errors[f] = [m]);
        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }
        // Read under the row lock, as PATCH does: a cancel committed meanwhile is in what gets published, not undone by it.
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        if (await CampaignStore.GetForUpdateAsync(id, conn, tx) is not { } campaign)
        {
            return Problem.NotFound($"No campaign '{id}'.");
        }
        var admission = campaign.Admission with { RatePerSecond = request.RatePerSecond!.Value, Paused = request.Paused ?? false, MaxActive = request.MaxActive };
        await CampaignStore.UpdateAdmissionAsync(id, admission, conn, tx);
        await audit.RecordAsync(conn, tx, Actor(http), "campaign.admission", id, new { before = campaign.Admission, after = admission });
        await tx.CommitAsync();
        await publisher.PublishAsync(campaign with { Admission = admission });
        return TypedResults.Ok(admission);
    }

    /// <summary>
    /// Cancel stops admission and tells every waiting shopper (the edge's stream and queue answers read the state);
    /// cancelling again answers the same campaign, an ended one cannot be cancelled.
    /// </summary>
    private static async Task<IResult> CancelAsync(
        string id, HttpContext http, NpgsqlDataSource db, CampaignStore store, CampaignPublisher publisher, AuditLog audit, TimeProvider time)
    {
        // Read under the row lock, as PATCH does: two cancels audit once, and a rate change made meanwhile is kept.
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        if (await CampaignStore.GetForUpdateAsync(id, conn, tx) is not { } campaign)
        {
            return Problem.NotFound($"No campaign '{id}'.");
        }
        var now = time.GetUtcNow();
        if (campaign.CancelledAt is null)
        {
            if (campaign.StateAt(now) == CampaignState.Ended)
            {
                return Problem.NotLive("The campaign has already ended.");
            }
            campaign = campaign with { CancelledAt = PostgresTime.ToMicroseconds(now) };
            await CampaignStore.CancelAsync(id, campaign.CancelledAt.Value, conn, tx);
            await audit.RecordAsync(conn, tx, Actor(http), "campaign.cancel", id, new { campaign.Name });
        }
        await tx.CommitAsync();
        await publisher.PublishAsync(campaign);
        return TypedResults.Ok(CampaignResponse.From(campaign, await store.RemainingAsync(id), now));
    }

    internal static string Actor(HttpContext http) =>
        http.Request.Headers["X-Actor"].ToString() is { Length: > 0 and <= 100 } actor ? actor : "admin";
}
