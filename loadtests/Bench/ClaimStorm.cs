using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using FlashSale.LoadTests.Campaign;
using FlashSale.LoadTests.Checks;
using FlashSale.LoadTests.Cli;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Report;
using FlashSale.LoadTests.Runner;
using static FlashSale.LoadTests.Report.Format;

namespace FlashSale.LoadTests.Bench;

public sealed record ClaimStormOptions
{
    /// <summary>Admitted shoppers, each with one token, each claiming once.</summary>
    public int Claimers { get; init; } = 40_000;

    public int Stock { get; init; } = 20_000;

    /// <summary>Claims in flight at once (closed model), and the copies of every baseline.</summary>
    public int Concurrency { get; init; } = 256;

    public int BaselineSeconds { get; init; } = 10;

    /// <summary>Path of a no-op route through edge → ClaimApi; null until one exists (see <see cref="Baselines.NoOpAsync"/>).</summary>
    public string? NoOpPath { get; init; }

    public string NoOpMethod { get; init; } = "POST";

    public int TextbookPool { get; init; } = 50;

    public int Edges { get; init; } = 1;

    public int ClaimInstances { get; init; } = 1;

    public bool Http2 { get; init; }
}

/// <summary>
/// claim-storm: admitted tokens fetched first, then every claimer claims at once (N in flight); in the same run the
/// baselines: GET /healthz, the no-op through the edge when wired, and the textbook claim with the same stock and load.
/// </summary>
public static class ClaimStorm
{
    public const string Name = "claim-storm";
    public const string Step = "claim (edge → ClaimApi → PostgreSQL)";

    public static async Task<RunResult> RunAsync(ClaimStormOptions o, Target target, CancellationToken ct)
    {
        var metrics = new RunMetrics();
        var startedAt = DateTimeOffset.UtcNow;
        var origin = Stopwatch.GetTimestamp();
        using var http = new LoadHttp([.. target.Edges.Take(o.Edges)], o.Concurrency, o.Http2, TimeSpan.FromSeconds(30));
        await Preflight.EdgesHealthyAsync(http, ct);
        var tag = "cs" + RandomNumberGenerator.GetHexString(6, lowercase: true);
        var minter = new SessionMinter(target.Session, TimeSpan.FromHours(3));
        var admin = new AdminClient(http.For(0), target.AdminKey);
        var setup = new BenchSetup(http, admin, minter, metrics, tag);
        var notes = new List<string>();
        var progress = new Progress(Name, row => new ProgressStatus(string.Join(" | ", metrics.Steps
            .Where(s => row.GetValueOrDefault(SeriesNames.Rate(s.Name)) > 0)
            .Select(s => $"{s.Name} {N(row[SeriesNames.Rate(s.Name)])}/s")), null));
        var sampler = new Sampler(metrics, progress);

        Console.Error.WriteLine($"[{Name}] setup: campaign with {Count(o.Stock)} coupons, {Count(o.Claimers)} shoppers joining");
        var campaignId = await setup.CreateCampaignAsync(o.Stock, rate: 1_000_000, startsInSeconds: 3, durationSeconds: 1800, ct);
        var joined = await setup.JoinAsync(campaignId, o.Claimers, o.Concurrency, ct);
        await setup.WaitForCursorAsync(campaignId, joined, TimeSpan.FromSeconds(60), ct);
        var tokens = await setup.AdmissionTokensAsync(campaignId, o.Claimers, o.Concurrency, ct);
        var withToken = tokens.Count(t => t is not null);
        Console.Error.WriteLine($"[{Name}] setup: {Count(joined)} joined, {Count(withToken)} admission tokens in hand");


        var during = TimeSpan.FromSeconds(o.BaselineSeconds);
        await Baselines.HealthzAsync(http, metrics, o.Concurrency, during, ct);
        if (o.NoOpPath is { } path)
        {
            await Baselines.NoOpAsync(new HttpMethod(o.NoOpMethod), path, http, metrics, o.Concurrency, during, ct);
        }
        else
        {
            notes.Add("No-op edge → ClaimApi baseline not measured: the edge has no such route yet (TODO: wire one and pass --noop-path).");
        }

        var coupons = new System.Collections.Concurrent.ConcurrentQueue<SeenCoupon>();
        long lastWinAt = 0;
        var stormStart = Stopwatch.GetTimestamp();
        var storm = new Scenario(Step, async ctx =>
        {
            var i = (int)ctx.Iteration;
            if (tokens[i] is not { } token)
            {
                return;
            }
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(i), LoadHttp.Request(HttpMethod.Post, $"/api/campaigns/{campaignId}/claims", token), true, ctx.Cancellation);
            ctx.Metrics.Step(Step).Record(started, reply.ToOutcome((status, type) => (status, type) is (410, "sold-out")));
            if (reply.Status is 201 or 200 && reply.Body is { } body && JsonSerializer.Deserialize(body, LoadJson.Default.ClaimReply)?.CouponCode is { } code)
            {
                coupons.Enqueue(new SeenCoupon(setup.UserId(i), code, reply.Status));
                TextbookClaim.InterlockedMax(ref lastWinAt, Stopwatch.GetTimestamp());
            }
        }, [Simulation.KeepConstant(o.Concurrency, TimeSpan.FromMinutes(10))]) { MaxIterations = o.Claimers };
        await ScenarioRunner.RunAsync(storm, metrics, ct);
        var soldOutAfter = lastWinAt == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(stormStart, lastWinAt);
        var wins = coupons.Count(c => c.Status == 201);

        var textbookDesign = new TextbookClaim(target.Postgres, target.Redis, o.TextbookPool);
        var textbook = await textbookDesign.RunOverHttpAsync(http, campaignId, tokens, o.Stock, o.Concurrency, metrics, ct);
        var inGenerator = await textbookDesign.RunAsync(tag, o.Stock, o.Claimers, o.Concurrency, metrics, ct);
        await sampler.DisposeAsync();

        var checks = await CorrectnessChecks.RunAsync(new CheckInput(campaignId, [.. coupons], [], JoinOf: null), target.Postgres, target.Redis, ct);
        var steps = metrics.Steps.Select(s => s.Summarize() with { PeakPerSecond = sampler.Series.Max(SeriesNames.Rate(s.Name)) }).ToList();
        double Rate(string step) => steps.FirstOrDefault(s => s.Name == step)?.RatePerSecond ?? double.NaN;
        var oursPerSecond = soldOutAfter.TotalSeconds > 0 ? wins / soldOutAfter.TotalSeconds : double.NaN;
        var ratios = new List<Ratio>
        {
            new("claims won per second until sold out: ours ÷ textbook (same edge, same token check)", "ours", oursPerSecond, "textbook", textbook.WinsPerSecond),
            new("claims won per second until sold out: ours ÷ textbook inside the generator (no HTTP)", "ours", oursPerSecond, "textbook", inGenerator.WinsPerSecond),
            new("claim answers per second ÷ GET /healthz per second", "claim", Rate(Step), "healthz", Rate(Baselines.Healthz)),
            new("textbook claim answers per second ÷ GET /healthz per second", "textbook", Rate(TextbookClaim.HttpStep), "healthz", Rate(Baselines.Healthz)),
        };
        if (o.NoOpPath is not null)
        {
            ratios.Add(new("claim answers per second ÷ no-op edge → ClaimApi per second", "claim", Rate(Step), "no-op", Rate(Baselines.NoOp)));
            ratios.Add(new("no-op edge → ClaimApi ÷ GET /healthz", "no-op", Rate(Baselines.NoOp), "healthz", Rate(Baselines.Healthz)));
        }
        notes.Add($"The textbook claim runs twice with the same stock and load: served by ClaimApi through the same edge with the same token check (each claimer's token used once; it stored {Count(textbook.Stored)} rows for {Count(textbook.Won)} units won), and inside the load generator (no HTTP hop, no token check, a pool of {o.TextbookPool} PostgreSQL connections; {Count(inGenerator.Stored)} rows for {Count(inGenerator.Won)} units). Both commit one transaction per claim.");
        notes.Add("\"Claims won per second until sold out\" counts 201s from the first claim to the last 201; later answers are sold-out refusals.");

        var result = new RunResult(Name, startedAt, Stopwatch.GetElapsedTime(origin),
            [
                new("campaign", campaignId), new("claimers (admitted tokens)", $"{Count(withToken)} of {Count(o.Claimers)}"), new("stock", Count(o.Stock)),
                new("concurrency", Count(o.Concurrency)), new("baseline seconds", o.BaselineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("edges", string.Join(", ", http.Edges)), new("ClaimApi instances behind the edge", target.ClaimInstancesRunning is { } running ? Count(running) : $"{Count(o.ClaimInstances)} (as given; not counted)"),
                new("HTTP", o.Http2 ? "HTTP/2 (prior knowledge)" : "HTTP/1.1 keep-alive"), new("no-op", o.NoOpPath is null ? "(not wired)" : $"{o.NoOpMethod} {o.NoOpPath}"),
            ],
            steps, checks, ratios,
            [
                new("claims won (ours): 201s", Count(wins)),
                new("ours: stock sold in", Duration(soldOutAfter)),
                new("textbook via the edge: stock sold in", Duration(textbook.SoldOutAfter)),
                new("textbook inside the generator: stock sold in", Duration(inGenerator.SoldOutAfter)),
            ],
            notes, sampler.Series,
            [
                new("Throughput", "per second", [.. metrics.Steps.Where(s => !s.Name.StartsWith("setup", StringComparison.Ordinal)).Select(s => SeriesNames.Rate(s.Name))]),
                new("p99 latency", "ms", [.. metrics.Steps.Where(s => !s.Name.StartsWith("setup", StringComparison.Ordinal)).Select(s => SeriesNames.P99(s.Name))]),
                new("Errors", "per second", [SeriesNames.Errors]),
            ],
            MachineInfo.Capture());
        return result with { ReportFolder = await ReportWriter.WriteAsync(result, target.ResultsRoot) };
    }
}
