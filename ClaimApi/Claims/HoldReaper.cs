using Dapper;
using FlashSale.ClaimApi.Inventory;
using Npgsql;

namespace FlashSale.ClaimApi.Claims;

/// <summary>
/// The flash-sale cart hold: a claim not redeemed by its hold_until expires and its unit goes back to the pool,
/// in one statement, while the campaign still runs. Every instance runs one; SKIP LOCKED keeps them off each other.
/// </summary>
public sealed class HoldReaper(NpgsqlDataSource db, EdgeSignals signals, TimeProvider time, ILogger<HoldReaper> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ReapAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Could not return lapsed holds to stock");
            }
        }
    }

    public async Task<int> ReapAsync()
    {
        await using var conn = await db.OpenConnectionAsync();
        var lapsed = (await conn.QueryAsync<(string CampaignId, string UserId)>(
            """
            with due as (
                select coupon_code from claims where status = 'claimed' and hold_until <= @now
                order by hold_until limit 5000 for update skip locked),
            lapsed as (
                update claims c set status = 'expired' from due where c.coupon_code = due.coupon_code returning c.campaign_id, c.user_id),
            back as (
                update campaigns k set available = k.available + s.n
                from (select campaign_id, count(*)::int as n from lapsed group by campaign_id) s
                where k.id = s.campaign_id)
            select campaign_id, user_id from lapsed
            """,
            new { now = time.GetUtcNow().UtcDateTime })).ToList();
        foreach (var campaign in lapsed.GroupBy(l => l.CampaignId))
        {
            await signals.ReturnedAsync(campaign.Key, campaign.Count());
        }
        return lapsed.Count;
    }
}
