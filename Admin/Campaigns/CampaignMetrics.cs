using Dapper;
using FlashSale.Shared.Redis;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.Admin.Campaigns;

public sealed record CampaignMetricsResponse(
    int Stock,
    int Claimed,
    int Available,
    int Leased,
    int Redeemed,
    int Released,
    long QueueLength,
    long Served,
    double ClaimsPerSecond);

/// <summary>Inventory from PostgreSQL (the authority), queue and cursor from Redis; each read costs what it counts, not the campaign's size.</summary>
public sealed class CampaignMetrics(NpgsqlDataSource db, IConnectionMultiplexer redis, TimeProvider time)
{
    private const int RateSeconds = 10;

    public async Task<CampaignMetricsResponse?> ReadAsync(string id)
    {
        await using var conn = await db.OpenConnectionAsync();
        var row = await conn.QuerySingleOrDefaultAsync<Row>(
            """
            select c.stock, c.available,
                   (select count(*) from claims where campaign_id = c.id and status = 'redeemed') as redeemed,
                   (select count(*) from claims where campaign_id = c.id and status = 'released') as released,
                   coalesce((select sum(l.granted - l.used - l.returned) from leases l
                             where l.campaign_id = c.id and l.closed_at is null), 0) as leased
            from campaigns c
            where c.id = @id
            """,
            new { id });
        if (row is null)
        {
            return null;
        }
        var r = redis.GetDatabase();
        var queueLength = r.SortedSetLengthAsync(RedisKeys.Queue(id));
        var served = r.HashGetAsync(RedisKeys.Admission(id), "served");
        // ClaimApi counts each second's committed claims as it signals them; the figure is the last ten seconds' mean.
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var recent = r.StringGetAsync([.. Enumerable.Range(0, RateSeconds).Select(s => (RedisKey)RedisKeys.ClaimsInSecond(id, now - s))]);
        await Task.WhenAll(queueLength, served, recent);
        var servedValue = served.Result.IsNull ? 0 : (long)Math.Floor(double.Parse((string)served.Result!, System.Globalization.CultureInfo.InvariantCulture));
        // Every unit is available, in an open lease (including claims being written) or held by a claim: the balance the
        // constraints keep, and one snapshot, so the figures add up where counting rows took a scan of every claim per read.
        var claimed = row.Stock - row.Available - (int)row.Leased;
        return new CampaignMetricsResponse(row.Stock, claimed, row.Available, (int)row.Leased, (int)row.Redeemed, (int)row.Released,
            queueLength.Result, servedValue, recent.Result.Sum(v => v.IsNull ? 0 : (long)v) / (double)RateSeconds);
    }

    private sealed class Row
    {
        public int Stock { get; init; }
        public int Available { get; init; }
        public long Redeemed { get; init; }
        public long Released { get; init; }
        public long Leased { get; init; }
    }
}
