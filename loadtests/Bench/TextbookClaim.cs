using System.Diagnostics;
using System.Security.Cryptography;
using Dapper;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Runner;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.LoadTests.Bench;

/// <summary>
/// The textbook claim every design is compared with: an atomic Redis DECR on a stock counter, and for each unit won
/// one single-row INSERT in its own transaction. Runs inside the generator (no HTTP, no tokens) against the same
/// Redis and PostgreSQL, on its own key and its own table <c>bench_textbook_claims</c>, which it creates.
/// </summary>
public sealed class TextbookClaim(string postgres, string redis, int poolSize)
{
    public const string Step = "baseline: textbook claim in the generator (Redis DECR + 1 INSERT)";
    public const string HttpStep = "baseline: textbook claim via edge → ClaimApi (token check + Redis DECR + 1 INSERT)";
    public const string DirectStep = "baseline: textbook claim straight to ClaimApi (token check + Redis DECR + 1 INSERT)";

    private const string CreateTable = """
        create table if not exists bench_textbook_claims (
            id          bigserial primary key,
            run_id      text collate "C" not null,
            user_id     text collate "C" not null,
            coupon_code text collate "C" not null unique,
            claimed_at  timestamptz not null default now(),
            unique (run_id, user_id));
        -- The same byte-wise ids as FlashSale's claims (migration 005), also on a table made before that, so the two
        -- designs differ in design only.
        alter table bench_textbook_claims alter column run_id type text collate "C", alter column user_id type text collate "C",
            alter column coupon_code type text collate "C";
        """;

    /// <summary>
    /// The textbook design served like ours (ClaimApi's <c>/api/bench/textbook/{id}/claims</c>, through the same edge
    /// with the same token check), so the ratio compares designs, not hops. Each claimer uses its admission token once.
    /// <paramref name="step"/> names the path: <see cref="HttpStep"/> through the edge, <see cref="DirectStep"/> straight to ClaimApi.
    /// </summary>
    public async Task<TextbookRun> RunOverHttpAsync(string step, LoadHttp http, string campaignId, string?[] tokens, int stock, int concurrency, RunMetrics metrics, CancellationToken ct)
    {
        await using var db = new NpgsqlDataSourceBuilder(postgres).Build();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis);
        // The key ClaimApi's textbook endpoint decrements (FlashSale.ClaimApi.Bench.TextbookClaimApi.StockKey).
        var key = $"bench:textbook:{{{campaignId}}}:stock";
        await PrepareAsync(db, mux.GetDatabase(), key, stock, ct);

        long won = 0, lastWinAt = 0;
        var firstAt = Stopwatch.GetTimestamp();
        var scenario = new Scenario(step, async ctx =>
        {
            var i = (int)ctx.Iteration;
            if (tokens[i] is not { } token)
            {
                return;
            }
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(i), LoadHttp.Request(HttpMethod.Post, $"/api/bench/textbook/{campaignId}/claims", token), false, ctx.Cancellation);
            ctx.Metrics.Step(step).Record(started, reply.ToOutcome((status, type) => (status, type) is (410, "sold-out")));
            if (reply.Status == 201)
            {
                Interlocked.Increment(ref won);
                InterlockedMax(ref lastWinAt, Stopwatch.GetTimestamp());
            }
        }, [Simulation.KeepConstant(concurrency, TimeSpan.FromMinutes(10))]) { MaxIterations = tokens.Length };
        var run = await ScenarioRunner.RunAsync(scenario, metrics, ct);

        return await TallyAsync(db, mux.GetDatabase(), campaignId, key, run, won, firstAt, lastWinAt, ct);
    }

    public async Task<TextbookRun> RunAsync(string runId, int stock, int claimers, int concurrency, RunMetrics metrics, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(postgres) { MaxPoolSize = poolSize, MinPoolSize = Math.Min(poolSize, concurrency) };
        await using var db = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis);
        var r = mux.GetDatabase();
        var key = $"bench:textbook:{runId}:stock";
        await PrepareAsync(db, r, key, stock, ct);

        long won = 0, lastWinAt = 0;
        var firstAt = Stopwatch.GetTimestamp();
        var scenario = new Scenario(Step, async ctx =>
        {
            var user = ctx.Iteration;
            var started = Stopwatch.GetTimestamp();
            if (await r.StringDecrementAsync(key) < 0)
            {
                ctx.Metrics.Step(Step).Record(started, Outcome.Refused(410, "sold-out"));
                return;
            }
            try
            {
                await using var conn = await db.OpenConnectionAsync(ctx.Cancellation);
                await using var tx = await conn.BeginTransactionAsync(ctx.Cancellation);
                await conn.ExecuteAsync(new CommandDefinition(
                    "insert into bench_textbook_claims (run_id, user_id, coupon_code) values (@runId, @user, @code)",
                    new { runId, user = "u" + user, code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)) }, tx, cancellationToken: ctx.Cancellation));
                await tx.CommitAsync(ctx.Cancellation);
                ctx.Metrics.Step(Step).Record(started, Outcome.Ok(201));
                Interlocked.Increment(ref won);
                InterlockedMax(ref lastWinAt, Stopwatch.GetTimestamp());
            }
            catch (NpgsqlException e)
            {
                ctx.Metrics.Step(Step).Record(started, Outcome.Error(0, "postgres-" + (e.SqlState ?? "error")));
            }
        }, [Simulation.KeepConstant(concurrency, TimeSpan.FromMinutes(10))]) { MaxIterations = claimers };
        var run = await ScenarioRunner.RunAsync(scenario, metrics, ct);

        return await TallyAsync(db, r, runId, key, run, won, firstAt, lastWinAt, ct);
    }

    /// <summary>Empties the table before a run's first textbook phase: earlier runs' rows are nobody's, and grew it past a million.</summary>
    public async Task ResetAsync(CancellationToken ct)
    {
        await using var db = new NpgsqlDataSourceBuilder(postgres).Build();
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(CreateTable + "\ntruncate bench_textbook_claims;", cancellationToken: ct));
    }

    /// <summary>
    /// Vacuums the table after the last textbook phase. Left to autovacuum, a 100,000-insert phase had it vacuumed
    /// during the next measured step (seen at 13:04 on 2026-11-26, in the fixed-rate phase), which then paid for the
    /// baseline's cleanup.
    /// </summary>
    public async Task SettleAsync(CancellationToken ct)
    {
        await using var db = new NpgsqlDataSourceBuilder(postgres).Build();
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("vacuum (analyze) bench_textbook_claims", cancellationToken: ct, commandTimeout: 300));
    }

    private static async Task PrepareAsync(NpgsqlDataSource db, IDatabase redis, string stockKey, int stock, CancellationToken ct)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            await conn.ExecuteAsync(new CommandDefinition(CreateTable, cancellationToken: ct));
        }
        await redis.StringSetAsync(stockKey, stock, TimeSpan.FromHours(1));
    }

    /// <summary>Rows really stored for the run (not just 201s counted), and the stock key cleaned up.</summary>
    private static async Task<TextbookRun> TallyAsync(
        NpgsqlDataSource db, IDatabase redis, string runId, string stockKey, ScenarioRun run, long won, long firstAt, long lastWinAt, CancellationToken ct)
    {
        long stored;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            stored = await conn.ExecuteScalarAsync<long>(new CommandDefinition("select count(*) from bench_textbook_claims where run_id = @runId", new { runId }, cancellationToken: ct));
        }
        await redis.KeyDeleteAsync(stockKey);
        var soldOutAfter = lastWinAt == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(firstAt, lastWinAt);
        return new TextbookRun(run, won, stored, soldOutAfter);
    }

    internal static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}

/// <summary>How the textbook baseline went: units won, rows really stored, and how long selling the stock took.</summary>
public sealed record TextbookRun(ScenarioRun Run, long Won, long Stored, TimeSpan SoldOutAfter)
{
    public double WinsPerSecond => SoldOutAfter.TotalSeconds > 0 ? Won / SoldOutAfter.TotalSeconds : double.NaN;
}
