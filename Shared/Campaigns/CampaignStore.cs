using Dapper;
using Npgsql;

namespace FlashSale.Shared.Campaigns;

/// <summary>Campaign rows in PostgreSQL, read by Admin and ClaimApi.</summary>
public sealed class CampaignStore(NpgsqlDataSource db)
{
    // Units not yet claimed: in the pool or parked in open leases.
    private const string RemainingSql = """
        select c.id, (c.available + coalesce(l.open, 0))::int
        from campaigns c
        left join (select campaign_id, sum(granted - used - returned) as open from leases where closed_at is null group by campaign_id) l
          on l.campaign_id = c.id
        """;

    private const string Columns = """
        id, name, starts_at, ends_at, stock, per_user_limit, coupon_kind, coupon_value, min_order_amount, max_discount,
        valid_for_seconds, hold_seconds, rate_per_second, max_active, token_ttl_seconds, paused, position_expiry_seconds, cancelled_at, created_at
        """;

    public async Task<Campaign?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>($"select {Columns} from campaigns where id = @id", new { id });
        return row?.ToCampaign();
    }

    /// <summary>The row locked until <paramref name="tx"/> ends, so a read-merge-write cannot lose a cancel or a rate change made meanwhile.</summary>
    public static async Task<Campaign?> GetForUpdateAsync(string id, NpgsqlConnection conn, NpgsqlTransaction tx)
    {
        var row = await conn.QuerySingleOrDefaultAsync<Row>($"select {Columns} from campaigns where id = @id for update", new { id }, tx);
        return row?.ToCampaign();
    }

    public async Task<IReadOnlyList<Campaign>> ListAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<Row>($"select {Columns} from campaigns order by starts_at desc, id");
        return rows.Select(r => r.ToCampaign()).ToList();
    }

    /// <summary>Units not yet claimed: in the pool or parked in open leases.</summary>
    public async Task<int> RemainingAsync(string id, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QuerySingleOrDefaultAsync<(string Id, int Remaining)>(RemainingSql + " where c.id = @id", new { id })).Remaining;
    }

    /// <summary>What <see cref="RemainingAsync"/> answers, for every campaign in one query (the list would otherwise ask once per row).</summary>
    public async Task<Dictionary<string, int>> RemainingByCampaignAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<(string Id, int Remaining)>(RemainingSql)).ToDictionary(r => r.Id, r => r.Remaining);
    }

    public async Task InsertAsync(Campaign c, NpgsqlConnection conn, NpgsqlTransaction tx)
    {
        await conn.ExecuteAsync(
            """
            insert into campaigns (id, name, starts_at, ends_at, stock, available, per_user_limit, coupon_kind, coupon_value,
                min_order_amount, max_discount, valid_for_seconds, hold_seconds, rate_per_second, max_active, token_ttl_seconds,
                paused, position_expiry_seconds, created_at)
            values (@Id, @Name, @StartsAt, @EndsAt, @Stock, @Stock, @PerUserLimit, @Kind, @Value, @MinOrderAmount, @MaxDiscount,
                @ValidForSeconds, @HoldSeconds, @RatePerSecond, @MaxActive, @TokenTtlSeconds, @Paused, @PositionExpirySeconds, @CreatedAt)
            """,
            Parameters(c),
            tx);
    }

    /// <summary>
    /// Writes every setting of <paramref name="c"/>. A stock change moves <c>available</c> by the same amount in the
    /// same statement, so claimed + available + leased = stock still holds; false (nothing written) when the new
    /// stock is below the units already out of the pool.
    /// </summary>
    public static async Task<bool> UpdateAsync(Campaign c, NpgsqlConnection conn, NpgsqlTransaction tx) =>
        await conn.ExecuteAsync(
            """
            update campaigns set name = @Name, starts_at = @StartsAt, ends_at = @EndsAt,
                available = available + (@Stock - stock), stock = @Stock, per_user_limit = @PerUserLimit,
                coupon_kind = @Kind, coupon_value = @Value, min_order_amount = @MinOrderAmount, max_discount = @MaxDiscount,
                valid_for_seconds = @ValidForSeconds, hold_seconds = @HoldSeconds, rate_per_second = @RatePerSecond,
                max_active = @MaxActive, token_ttl_seconds = @TokenTtlSeconds, paused = @Paused,
                position_expiry_seconds = @PositionExpirySeconds
            where id = @Id and available + (@Stock - stock) >= 0
            """,
            Parameters(c),
            tx) == 1;

    private static object Parameters(Campaign c) => new
    {
        c.Id, c.Name, StartsAt = c.StartsAt.UtcDateTime, EndsAt = c.EndsAt.UtcDateTime, c.Stock, c.PerUserLimit,
        c.Coupon.Kind, c.Coupon.Value, c.Coupon.MinOrderAmount, c.Coupon.MaxDiscount, c.Coupon.ValidForSeconds,
        c.Coupon.HoldSeconds, c.Admission.RatePerSecond, c.Admission.MaxActive, c.Admission.TokenTtlSeconds,
        c.Admission.Paused, c.Admission.PositionExpirySeconds, CreatedAt = c.CreatedAt.UtcDateTime,
    };

    public static async Task UpdateAdmissionAsync(string id, AdmissionSettings a, NpgsqlConnection conn, NpgsqlTransaction tx) =>
        await conn.ExecuteAsync(
            """
            update campaigns set rate_per_second = @RatePerSecond, max_active = @MaxActive, token_ttl_seconds = @TokenTtlSeconds,
                paused = @Paused, position_expiry_seconds = @PositionExpirySeconds
            where id = @id
            """,
            new { id, a.RatePerSecond, a.MaxActive, a.TokenTtlSeconds, a.Paused, a.PositionExpirySeconds },
            tx);

    /// <summary>Only the first cancel counts: a second one keeps the first time.</summary>
    public static async Task CancelAsync(string id, DateTimeOffset at, NpgsqlConnection conn, NpgsqlTransaction tx) =>
        await conn.ExecuteAsync(
            "update campaigns set cancelled_at = @at where id = @id and cancelled_at is null",
            new { id, at = at.UtcDateTime },
            tx);

    private sealed class Row
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public DateTime StartsAt { get; init; }
        public DateTime EndsAt { get; init; }
        public int Stock { get; init; }
        public int PerUserLimit { get; init; }
        public string CouponKind { get; init; } = "";
        public decimal CouponValue { get; init; }
        public decimal? MinOrderAmount { get; init; }
        public decimal? MaxDiscount { get; init; }
        public int? ValidForSeconds { get; init; }
        public int? HoldSeconds { get; init; }
        public int RatePerSecond { get; init; }
        public int? MaxActive { get; init; }
        public int TokenTtlSeconds { get; init; }
        public bool Paused { get; init; }
        public int PositionExpirySeconds { get; init; }
        public DateTime? CancelledAt { get; init; }
        public DateTime CreatedAt { get; init; }

        public Campaign ToCampaign() => new(
            Id, Name, Utc(StartsAt), Utc(EndsAt), Stock, PerUserLimit,
            new CouponSettings(CouponKind, CouponValue, MinOrderAmount, MaxDiscount, ValidForSeconds, HoldSeconds),
            new AdmissionSettings(RatePerSecond, MaxActive, TokenTtlSeconds, Paused, PositionExpirySeconds),
            CancelledAt is { } c ? Utc(c) : null,
            Utc(CreatedAt));

        private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
    }
}
