using System.Diagnostics;
using Dapper;
using FlashSale.ClaimApi;
using FlashSale.ClaimApi.Claims;
using FlashSale.ClaimApi.Inventory;
using FlashSale.LoadTests.Checks;
using FlashSale.LoadTests.Cli;
using FlashSale.LoadTests.Report;
using FlashSale.LoadTests.Runner;
using FlashSale.Shared.Data;
using Npgsql;
using static FlashSale.LoadTests.Report.Format;

namespace FlashSale.LoadTests.Bench;

public sealed record ClaimInsertCostOptions
{
    /// <summary>Claims per group commit, one measured phase each.</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [1, 10, 30, 70, 150, 300];

    /// <summary>Length of each measured phase.</summary>
    public int Seconds { get; init; } = 5;

    /// <summary>Batches before each phase is measured, enough for Npgsql to prepare the statement.</summary>
    public int WarmupBatches { get; init; } = 20;
}

/// <summary>One batch size's phase: rows written and the CPU it cost, on the PostgreSQL side and on the writer's.</summary>
public sealed record InsertCost(int BatchSize, long Rows, long Batches, TimeSpan Wall, double BackendSeconds, double PostgresSeconds, double WriterSeconds, double CommitP50Ms)
{
    public double RowsPerSecond => Rows / Wall.TotalSeconds;

    /// <summary>The writer's own backend: parse, plan, execute, commit.</summary>
    public double BackendMicrosPerRow => BackendSeconds * 1e6 / Rows;

    /// <summary>Every PostgreSQL process (the WAL writer and checkpointer too).</summary>
    public double PostgresMicrosPerRow => PostgresSeconds * 1e6 / Rows;

    /// <summary>This process: building each batch and Npgsql's side of sending it, as ClaimApi's writer does.</summary>
    public double WriterMicrosPerRow => WriterSeconds * 1e6 / Rows;
}

/// <summary>
/// claim-insert-cost: what PostgreSQL spends per claim row on ClaimApi's group commit (ClaimWriter.InsertAsync, one
/// connection, batches back to back, nothing else asking) as the batch grows. The claim storm's PostgreSQL column is
/// this cost at whatever batch size the storm's arrivals made.
/// </summary>
public static class ClaimInsertCost
{
    public const string Name = "claim-insert-cost";

    public static async Task<RunResult> RunAsync(ClaimInsertCostOptions o, Target target, CancellationToken ct)
    {
        using var start = await BenchStart.OpenAsync(target, "ic", 1, 4, false, ct);
        await using var db = StorageExtensions.CreatePostgres(target.Postgres);
        var store = new LeaseStore(db);
        var instanceId = $"claim-insert-cost-{Environment.ProcessId}";

        // Enough units that no phase runs dry even on a fast machine; the rest goes back to the pool at the end.
        const int stock = 5_000_000;
        var campaignId = await start.Setup.CreateCampaignAsync(stock, rate: 1, startsInSeconds: 3600, durationSeconds: 3600, ct);
        var grant = await store.GrantAsync(campaignId, instanceId, stock)
            ?? throw new InvalidOperationException($"No lease could be granted on {campaignId}.");
        var slot = new LeaseSlot(grant.LeaseId, Stopwatch.GetTimestamp());
        // A pending claim names the stock its unit came from; the insert itself never touches it.
        var owner = new CampaignStock(campaignId, stock, store, instanceId, new ClaimApiOptions(), _ => Task.CompletedTask);

        // The lease stays this process's only while it beats; a running ClaimApi reclaims silent ones.
        using var stopBeating = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var beating = BeatAsync(store, instanceId, stopBeating.Token);

        var seen = new List<SeenCoupon>();
        var costs = new List<InsertCost>();
        long next = 0;
        try
        {
            foreach (var size in o.BatchSizes)
            {
                Console.Error.WriteLine($"[{Name}] batches of {size}: {o.WarmupBatches} to warm up, then {o.Seconds} s");
                costs.Add(await PhaseAsync(db, size, o, () => NewClaim(campaignId, start.Setup.UserId(next++), slot, owner), seen, ct));
            }
        }
        finally
        {
            await stopBeating.CancelAsync();
            await beating;
            // Closing returns exactly what the lease holds unused (granted − used), as a ClaimApi that stops does.
            await store.ReturnAsync(grant.LeaseId, 0, close: true);
        }
        var checks = await InventoryChecks.RunAsync(db, campaignId, seen, [], ct);

        Console.Error.WriteLine();
        Console.Error.WriteLine("| batch | rows/s | PostgreSQL backend µs/row | all PostgreSQL µs/row | writer µs/row | commit p50 ms |");
        Console.Error.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in costs)
        {
            Console.Error.WriteLine($"| {c.BatchSize} | {Count((long)c.RowsPerSecond)} | {Micros(c.BackendMicrosPerRow)} | {Micros(c.PostgresMicrosPerRow)} | {Micros(c.WriterMicrosPerRow)} | {c.CommitP50Ms:0.00} |");
        }

        var (smallest, largest) = (costs.MinBy(c => c.BatchSize)!, costs.MaxBy(c => c.BatchSize)!);
        var result = new RunResult(Name, start.StartedAt, Stopwatch.GetElapsedTime(start.Origin),
            [
                new("campaign", campaignId), new("batch sizes", string.Join(", ", o.BatchSizes)), new("seconds per batch size", Count(o.Seconds)),
                new("warm-up batches per size", Count(o.WarmupBatches)), new("statement", "ClaimWriter.InsertAsync: unnest arrays, lease row lock, ON CONFLICT DO NOTHING, lease count, one commit"),
            ],
            [], checks,
            [
                new($"all PostgreSQL CPU per row: batches of {smallest.BatchSize} ÷ batches of {largest.BatchSize}", $"{smallest.BatchSize}", smallest.PostgresMicrosPerRow, $"{largest.BatchSize}", largest.PostgresMicrosPerRow),
            ],
            [.. costs.Select(c => new Tally(
                $"batches of {c.BatchSize}: rows/s on one connection; µs of CPU per row: PostgreSQL backend, all PostgreSQL, writer; commit p50",
                $"{Count((long)c.RowsPerSecond)}/s; {Micros(c.BackendMicrosPerRow)}, {Micros(c.PostgresMicrosPerRow)}, {Micros(c.WriterMicrosPerRow)} µs; {c.CommitP50Ms:0.00} ms ({Count(c.Batches)} batches)"))],
            [
                "One connection writes batches back to back, each a group commit as ClaimApi's writer makes it (the same statement through the same code), with nothing else asking PostgreSQL anything: the cost of a claim row by itself.",
                "\"PostgreSQL backend\" is the writer connection's server process (parse, plan, execute, commit, its WAL flush); \"all PostgreSQL\" adds the WAL writer, checkpointer and the rest; \"writer\" is this process building the batch and Npgsql sending it (at small batches it also holds this process's threads spinning while each commit waits on its fsync).",
                "In a claim storm every answer also costs the HTTP hop, the token check and the lease; half of a 100x oversubscribed storm's answers are sold-out 410s that write nothing.",
            ],
            new TimeSeries(), [], MachineInfo.Capture());
        return result with { ReportFolder = await ReportWriter.WriteAsync(result, target.ResultsRoot) };
    }

    private static async Task<InsertCost> PhaseAsync(
        NpgsqlDataSource db, int size, ClaimInsertCostOptions o, Func<PendingClaim> newClaim, List<SeenCoupon> seen, CancellationToken ct)
    {
        // Its own connection, kept, as the writer keeps one (and auto-prepares the statement on it).
        await using var conn = await db.OpenConnectionAsync(ct);
        var backend = await conn.ExecuteScalarAsync<int>("select pg_backend_pid()");
        for (var i = 0; i < o.WarmupBatches; i++)
        {
            await WriteAsync(conn, size, newClaim, seen);
        }
        var commits = new List<double>();
        var (cpuBefore, backendBefore) = (ProcessCpu.Read(), BackendSeconds(backend));
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(o.Seconds * Stopwatch.Frequency);
        long rows = 0;
        while (Stopwatch.GetTimestamp() < until)
        {
            ct.ThrowIfCancellationRequested();
            var began = Stopwatch.GetTimestamp();
            await WriteAsync(conn, size, newClaim, seen);
            commits.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
            rows += size;
        }
        var wall = Stopwatch.GetElapsedTime(started);
        var (cpuAfter, backendAfter) = (ProcessCpu.Read(), BackendSeconds(backend));
        var use = cpuBefore is not null && cpuAfter is not null ? cpuAfter.Since(cpuBefore, wall) : null;
        commits.Sort();
        return new InsertCost(size, rows, commits.Count, wall, backendAfter - backendBefore,
            use?.ByProcess[ProcessCpu.Postgres] ?? double.NaN, use?.ByProcess[ProcessCpu.Generator] ?? double.NaN, commits[commits.Count / 2]);
    }

    private static async Task WriteAsync(NpgsqlConnection conn, int size, Func<PendingClaim> newClaim, List<SeenCoupon> seen)
    {
        var batch = new List<PendingClaim>(size);
        for (var i = 0; i < size; i++)
        {
            batch.Add(newClaim());
        }
        var inserted = await ClaimWriter.InsertAsync(conn, batch);
        if (inserted.Count != size)
        {
            throw new InvalidOperationException($"A batch of {size} new claims inserted {inserted.Count}.");
        }
        seen.AddRange(batch.Select(c => new SeenCoupon(c.UserId, c.Code, 201)));
    }

    private static PendingClaim NewClaim(string campaignId, string userId, LeaseSlot slot, CampaignStock owner) =>
        new(campaignId, userId, CouponCodes.New(), TimeProvider.System.GetUtcNow().UtcDateTime, null, null, slot, owner);

    private static async Task BeatAsync(LeaseStore store, string instanceId, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await store.HeartbeatAsync(instanceId, TimeSpan.FromSeconds(5));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>CPU seconds of one PostgreSQL backend so far, from /proc; NaN where there is no /proc.</summary>
    private static double BackendSeconds(int pid) =>
        File.Exists($"/proc/{pid}/stat") ? ProcessCpu.ParseStat(File.ReadAllText($"/proc/{pid}/stat")).Ticks / ProcessCpu.TicksPerSecond : double.NaN;
}
