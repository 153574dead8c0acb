using System.Text.Json;
using Dapper;
using Npgsql;

namespace FlashSale.Admin.Audit;

public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Action, string? CampaignId, JsonElement Details);

/// <summary>Who changed what, when: written in the same transaction as the change it records.</summary>
public sealed class AuditLog(NpgsqlDataSource db, TimeProvider time)
{
    public Task RecordAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string actor, string action, string? campaignId, object details) =>
        conn.ExecuteAsync(
            "insert into audit_log (at, actor, action, campaign_id, details) values (@at, @actor, @action, @campaignId, @details::jsonb)",
            new { at = time.GetUtcNow().UtcDateTime, actor, action, campaignId, details = JsonSerializer.Serialize(details, JsonSerializerOptions.Web) },
            tx);

    public async Task<IReadOnlyList<AuditEntry>> RecentAsync(string? campaignId, int limit)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(long Id, DateTime At, string Actor, string Action, string? CampaignId, string Details)>(
            """
            select id, at, actor, action, campaign_id, details::text from audit_log
            where @campaignId::text is null or campaign_id = @campaignId
            order by id desc limit @limit
            """,
            new { campaignId, limit });
        return rows.Select(r => new AuditEntry(r.Id, new DateTimeOffset(DateTime.SpecifyKind(r.At, DateTimeKind.Utc)), r.Actor, r.Action, r.CampaignId,
            JsonDocument.Parse(r.Details).RootElement.Clone())).ToList();
    }

    public static IEndpointRouteBuilder MapAudit(IEndpointRouteBuilder group)
    {
        group.MapGet("/audit", async (AuditLog log, string? campaignId, int? limit) =>
            TypedResults.Ok(await log.RecentAsync(campaignId, Math.Clamp(limit ?? 200, 1, 1000))));
        return group;
    }
}
