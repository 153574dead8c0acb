using System.Text.Json.Nodes;
using FlashSale.Admin.Audit;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Problems;
using Npgsql;

namespace FlashSale.Admin.Campaigns;

/// <summary><c>PATCH /api/admin/campaigns/{id}</c>: before the start any setting; once live the admission settings only.</summary>
public static class CampaignUpdate
{
    public static async Task<IResult> PatchAsync(
        string id, JsonObject? body, HttpContext http, NpgsqlDataSource db, CampaignStore store, CampaignPublisher publisher, AuditLog audit, TimeProvider time)
    {
        if (body is null)
        {
            return Problem.Validation("body", "A JSON object with the settings to change is required.");
        }
        var patch = CampaignPatch.Read(body);

        // The row stays locked from the read to the commit: a cancel or a live rate change made meanwhile waits, and
        // is neither overwritten by this merge nor missed by its state check.
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        if (await CampaignStore.GetForUpdateAsync(id, conn, tx) is not { } current)
        {
            return Problem.NotFound($"No campaign '{id}'.");
        }
        var now = time.GetUtcNow();
        switch (current.StateAt(now))
        {
            case CampaignState.Cancelled:
                return Problem.NotLive("The campaign was cancelled; its settings can no longer change.");
            case CampaignState.Ended:
                return Problem.NotLive("The campaign has ended; its settings can no longer change.");
        }
        var (updated, errors) = patch.ApplyTo(current, now);
        if (updated is null)
        {
            return Problem.Validation(errors);
        }
        // Setting what is already set writes nothing, audits nothing and tells no edge: a form sent twice is harmless.
        if (updated != current)
        {
            if (!await CampaignStore.UpdateAsync(updated, conn, tx))
            {
                return Problem.Validation("stock", "The stock cannot go below the units already claimed or held in leases.");
            }
            await audit.RecordAsync(conn, tx, CampaignsApi.Actor(http), "campaign.update", id, CampaignPatch.Changes(current, updated));
            await tx.CommitAsync();
            await publisher.PublishAsync(updated);
        }
        return TypedResults.Ok(CampaignResponse.From(updated, await store.RemainingAsync(id), now));
    }
}
