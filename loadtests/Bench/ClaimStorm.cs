using System.Diagnostics;
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
    /// <summary>Admitted shoppers, each with one token, each claiming once. Enough that the storm lasts seconds, not a warm-up.</summary>
    public int Claimers { get; init; } = 100_000;

    public int Stock { get; init; } = 50_000;

    /// <summary>Claims in flight at once (closed model), and the copies of every baseline.</summary>
    public int Concurrency { get; init; } = 256;

    public int BaselineSeconds { get; init; } = 10;

    /// <summary>Path of the no-op route through edge → ClaimApi (<see cref="Baselines.NoOpAsync"/>); null skips the no-op baselines.</summary>
    public string? NoOpPath { get; init; } = "/api/bench/noop";

    public string NoOpMethod { get; init; } = "POST";

    public int TextbookPool { get; init; } = 50;

    public int Edges { get; init; } = 1;

    public int ClaimInstances { get; init; } = 1;

    /// <summary>Also claim and no-op straight to the first ClaimApi instance (FLASHSALE_CLAIMS), on a campaign of its own.</summary>
    public bool Direct { get; init; } = true;

    /// <summary>Open-model phase: inject this many claims per second through the edge, on a fresh campaign; null skips it.</summary>
    public double? FixedRate { get; init; }

    /// <summary>The fixed rate as a share of the max claim rate just measured (claims won per second until sold out).</summary>
    public double? FixedRateShare { get; init; }

    public int FixedRateSeconds { get; init; } = 10;

    /// <summary>How often Admin's metrics are read around the sell-out, to see units parked in leases.</summary>
    public int LeaseWatchMilliseconds { get; init; } = 50;

    /// <summary>
    /// Claimers of a warm-up round: a campaign of their own (stock half of them) claimed through the edge before anything
    /// is measured, followed by a few seconds of no-ops: the first proxied requests of a run otherwise meet YARP's and
    /// ClaimApi's paths unoptimized by the JIT, and whichever step came first paid for it. 0 skips.
    /// </summary>
    public int WarmupClaimers { get; init; } = 10_000;

    /// <summary>Most warm-up rounds; they stop once one leaves the edge and ClaimApi warm (<see cref="JitWatch.WarmUntilQuietAsync"/>).</summary>
    public int WarmupRounds { get; init; } = 4;

    public bool Http2 { get; init; }
}

/// <summary>
/// claim-storm: admitted tokens fetched first, then every claimer claims at once (N in flight); in the same run the
/// baselines: GET /healthz, the no-op through the edge, and the textbook claim with the same stock and load. Then the
/// same claims and no-op straight to one ClaimApi instance (no edge), and optionally a fixed-rate phase for latency.
/// </summary>
public static class ClaimStorm
{
    public const string Name = "claim-storm";
    public const string Step = "claim (edge → ClaimApi → PostgreSQL)";
    public const string DirectStep = "claim straight to ClaimApi (→ PostgreSQL)";
    public const string WarmupClaim = "warm-up: claim (not measured)";
    public const string WarmupNoOp = "warm-up: no-op (not measured)";
    private static readonly TimeSpan WarmupNoOpFor = TimeSpan.FromSeconds(2);

    public static async Task<RunResult> RunAsync(ClaimStormOptions o, Target target, CancellationToken ct)
    {
        using var start = await BenchStart.OpenAsync(target, "cs", o.Edges, o.Concurrency, o.Http2, ct);
        var (metrics, startedAt, origin, http, tag, minter) = (start.Metrics, start.StartedAt, start.Origin, start.Http, start.Tag, start.Minter);
        var admin = start.Admin;
        var notes = new List<string>();
        var tallies = new List<Tally>();
        var progress = Progress.StepRates(Name, metrics);
        var sampler = new Sampler(metrics, progress);

        var textbookDesign = new TextbookClaim(target.Postgres, target.Redis, o.TextbookPool);
        await textbookDesign.ResetAsync(ct);
        var edge = await PrepareAsync("edge", new BenchSetup(http, admin, minter, metrics, tag), o.Stock, o.Claimers, o.Concurrency, ct);
        var during = TimeSpan.FromSeconds(o.BaselineSeconds);
        var method = new HttpMethod(o.NoOpMethod);
        if (o.WarmupClaimers > 0 && o.WarmupRounds > 0)
        {
            var jit = new JitWatch([.. http.Edges, .. target.ClaimApis]);
            var warmStock = Math.Max(1, o.WarmupClaimers / 2);
            var compiled = await jit.WarmUntilQuietAsync(async round =>
            {
                var warm = await PrepareAsync($"warm-up {round}", new BenchSetup(http, admin, minter, metrics, $"{tag}w{round}"), warmStock, o.WarmupClaimers, o.Concurrency, ct);
                // The measured storm is watched through Admin's metrics: warm that path as the edge's and ClaimApi's are.
                await new LeaseWatch(admin, warm.CampaignId, TimeSpan.FromMilliseconds(o.LeaseWatchMilliseconds), metrics, LeaseWatch.WarmupStep)
                    .AroundAsync(() => StormAsync(WarmupClaim, http, warm, o.Concurrency, metrics, ct), TimeSpan.FromSeconds(5), ct);
                if (o.NoOpPath is { } warmPath)
                {
                    await Baselines.NoOpAsync(method, warmPath, warm.AnyToken, http, metrics, o.Concurrency, WarmupNoOpFor, ct, WarmupNoOp);
                }
            }, o.WarmupRounds, ct);
            notes.Add($"Before anything measured, warm-up rounds: {Count(o.WarmupClaimers)} claimers each claimed a campaign of their own through the edge (stock {Count(warmStock)}), each round followed by {WarmupNoOpFor.TotalSeconds:0} s of no-ops; "
                + compiled.Describe() + ". So the measured steps run optimized code (the warm-up steps; not in the ratios).");
        }
        else
        {
            notes.Add("No warm-up (--warmup-claimers 0): the first measured proxied step ran the edge's and ClaimApi's code before the JIT optimized it.");
        }
        await Baselines.HealthzAsync(http, metrics, o.Concurrency, during, ct);
        if (o.NoOpPath is { } path)
        {
            await Baselines.NoOpAsync(method, path, edge.AnyToken, http, metrics, o.Concurrency, during, ct);
        }
        else
        {
            notes.Add("No-op baselines not measured (--noop-path none).");
        }

        var watch = new LeaseWatch(admin, edge.CampaignId, TimeSpan.FromMilliseconds(o.LeaseWatchMilliseconds), metrics);
        var storm = await watch.AroundAsync(() => StormAsync(Step, http, edge, o.Concurrency, metrics, ct), TimeSpan.FromSeconds(30), ct);

        var checks = new List<CheckResult>(await CorrectnessChecks.RunAsync(new CheckInput(edge.CampaignId, storm.Coupons, [], JoinOf: null), target.Postgres, target.Redis, ct));

        StormResult? direct = null;
        TextbookRun? textbookDirect = null;
        if (o.Direct && target.ClaimApis.Count > 0)
        {
            using var claimApi = new LoadHttp([target.ClaimApis[0]], o.Concurrency, o.Http2, TimeSpan.FromSeconds(30));
            var prepared = await PrepareAsync("direct", new BenchSetup(http, admin, minter, metrics, tag + "d"), o.Stock, o.Claimers, o.Concurrency, ct);
            if (o.NoOpPath is { } directPath)
            {
                await Baselines.NoOpAsync(method, directPath, prepared.AnyToken, claimApi, metrics, o.Concurrency, during, ct, Baselines.NoOpDirect);
            }
            direct = await StormAsync(DirectStep, claimApi, prepared, o.Concurrency, metrics, ct);
            textbookDirect = await textbookDesign.RunOverHttpAsync(TextbookClaim.DirectStep, claimApi, prepared.CampaignId, prepared.Tokens, o.Stock, o.Concurrency, metrics, ct);
            checks.AddRange((await CorrectnessChecks.RunAsync(new CheckInput(prepared.CampaignId, direct.Coupons, [], JoinOf: null), target.Postgres, target.Redis, ct))
                .Where(c => c.Status != CheckStatus.Skip).Select(c => c with { Name = c.Name + " (direct run)" }));
        }
        else if (o.Direct)
        {
            notes.Add("Claims straight to ClaimApi not measured: no ClaimApi URL (FLASHSALE_CLAIMS is set by `./flashsale bench`).");
        }

        var textbook = await textbookDesign.RunOverHttpAsync(TextbookClaim.HttpStep, http, edge.CampaignId, edge.Tokens, o.Stock, o.Concurrency, metrics, ct);
        var inGenerator = await textbookDesign.RunAsync(tag, o.Stock, o.Claimers, o.Concurrency, metrics, ct);
        await textbookDesign.SettleAsync(ct);
        notes.Add("The textbook's table (bench_textbook_claims) is emptied before its first phase and vacuumed after its last, so its cleanup does not fall in a later measured step.");
        var fixedRate = o.FixedRate ?? (o.FixedRateShare is { } share ? share * storm.WinsPerSecond : null);
        string? fixedStep = null;
        if (fixedRate is > 0 and var rate)
        {
            var claimers = (int)Math.Ceiling(rate * o.FixedRateSeconds);
            var prepared = await PrepareAsync("fixed rate", new BenchSetup(http, admin, minter, metrics, tag + "r"), claimers, claimers, o.Concurrency, ct);
            fixedStep = $"claim at a fixed {N(rate)}/s (edge, open model)";
            var run = await FixedRateAsync(fixedStep, http, prepared, rate, o.FixedRateSeconds, metrics, ct);
            tallies.Add(new("fixed-rate phase: offered / answered / dropped by the generator", $"{N(rate)}/s for {o.FixedRateSeconds} s / {Count(run.Iterations - run.Dropped)} / {Count(run.Dropped)}"));
        }
        await sampler.DisposeAsync();

        var steps = sampler.Summaries();
        double Rate(string step) => steps.FirstOrDefault(s => s.Name == step)?.RatePerSecond ?? double.NaN;
        var ratios = new List<Ratio>
        {
            new("claims won per second until sold out: ours ÷ textbook (same edge, same token check)", "ours", storm.WinsPerSecond, "textbook", textbook.WinsPerSecond),
            new("claims won per second until sold out: ours ÷ textbook inside the generator (no HTTP)", "ours", storm.WinsPerSecond, "textbook", inGenerator.WinsPerSecond),
            new("claim answers per second ÷ GET /healthz per second", "claim", Rate(Step), "healthz", Rate(Baselines.Healthz)),
            new("textbook claim answers per second ÷ GET /healthz per second", "textbook", Rate(TextbookClaim.HttpStep), "healthz", Rate(Baselines.Healthz)),
        };
        if (o.NoOpPath is not null)
        {
            ratios.Add(new("claim answers per second ÷ no-op per second, via the edge", "claim", Rate(Step), "no-op", Rate(Baselines.NoOp)));
            ratios.Add(new("no-op edge → ClaimApi ÷ GET /healthz", "no-op", Rate(Baselines.NoOp), "healthz", Rate(Baselines.Healthz)));
        }
        if (direct is not null)
        {
            if (o.NoOpPath is not null)
            {
                ratios.Add(new("claim answers per second ÷ no-op per second, straight to ClaimApi", "claim", Rate(DirectStep), "no-op", Rate(Baselines.NoOpDirect)));
            }
            ratios.Add(new("claims won per second until sold out: via the edge ÷ straight to ClaimApi", "edge", storm.WinsPerSecond, "direct", direct.WinsPerSecond));
            if (textbookDirect is not null)
            {
                ratios.Add(new("claims won per second until sold out, straight to ClaimApi: ours ÷ textbook (same token check)", "ours", direct.WinsPerSecond, "textbook", textbookDirect.WinsPerSecond));
            }
            ratios.Add(new("claims won per second until sold out: ours straight to ClaimApi ÷ textbook inside the generator (no HTTP)", "ours", direct.WinsPerSecond, "textbook", inGenerator.WinsPerSecond));
        }
        if (fixedStep is not null && steps.FirstOrDefault(s => s.Name == fixedStep) is { } f)
        {
            tallies.Add(new("fixed-rate phase: p50 / p99 claim latency", $"{Ms(f.P50)} ms / {Ms(f.P99)} ms"));
            tallies.Add(new("fixed-rate phase: share of the max claim rate", N(fixedRate!.Value / storm.WinsPerSecond * 100) + " %"));
        }
        var drain = LeaseDrain.From(watch.Samples);
        notes.Add($"The textbook claim runs with the same stock and load as ours: served by ClaimApi through the same edge with the same token check (each claimer's token used once; it stored {Count(textbook.Stored)} rows for {Count(textbook.Won)} units won), "
            + (textbookDirect is null ? "" : $"served by ClaimApi straight, like ours in the direct run ({Count(textbookDirect.Stored)} rows for {Count(textbookDirect.Won)} units), ")
            + $"and inside the load generator (no HTTP hop, no token check, a pool of {o.TextbookPool} PostgreSQL connections; {Count(inGenerator.Stored)} rows for {Count(inGenerator.Won)} units). Each commits one transaction per claim.");
        notes.Add("\"Claims won per second until sold out\" counts 201s from the first claim to the last 201; later answers are sold-out refusals. It is the max claim rate the fixed-rate phase takes its share of.");
        notes.Add("The no-op is sent with an admission token in its Authorization header, so its request is a claim's size; ClaimApi answers it with a claim-sized body and does nothing else.");
        notes.Add($"Leases at sell-out: Admin's metrics (PostgreSQL) read every {o.LeaseWatchMilliseconds} ms through the edge during the storm; sell-out is the first read with available = 0, leased is units granted to instances but not yet used or returned. A read takes as long as Admin's query, so the reads are as dense as the step \"{LeaseWatch.Step}\" shows, not denser.");
        if (direct is not null)
        {
            notes.Add($"Straight to ClaimApi: {target.ClaimApis[0]} (one instance), its own campaign with the same stock and claimers; tokens were fetched through the edge beforehand.");
        }

        var result = new RunResult(Name, startedAt, Stopwatch.GetElapsedTime(origin),
            [
                new("campaign", edge.CampaignId), new("claimers (admitted tokens)", $"{Count(edge.WithToken)} of {Count(o.Claimers)}"), new("stock", Count(o.Stock)),
                new("concurrency", Count(o.Concurrency)), new("baseline seconds", o.BaselineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("edges", string.Join(", ", http.Edges)), new("ClaimApi instances behind the edge", target.ClaimInstancesRunning is { } running ? Count(running) : $"{Count(o.ClaimInstances)} (as given; not counted)"),
                new("HTTP", o.Http2 ? "HTTP/2 (prior knowledge)" : "HTTP/1.1 keep-alive"), new("no-op", o.NoOpPath is null ? "(not measured)" : $"{o.NoOpMethod} {o.NoOpPath}"),
                new("straight to ClaimApi", direct is null ? "(not measured)" : target.ClaimApis[0].ToString()),
                new("fixed-rate phase", fixedRate is { } fr ? $"{N(fr)}/s for {o.FixedRateSeconds} s" : "(not run)"),
            ],
            steps, checks, ratios,
            [
                new("claims won (ours): 201s", Count(storm.Wins)),
                new("ours: stock sold in", Duration(storm.SoldOutAfter)),
                new("ours: max claim rate (won per second until sold out)", N(storm.WinsPerSecond)),
                new("textbook via the edge: stock sold in", Duration(textbook.SoldOutAfter)),
                new("textbook inside the generator: stock sold in", Duration(inGenerator.SoldOutAfter)),
                .. direct is null ? Array.Empty<Tally>() : [new("straight to ClaimApi: stock sold in / won per second", $"{Duration(direct.SoldOutAfter)} / {N(direct.WinsPerSecond)}")],
                .. textbookDirect is null ? Array.Empty<Tally>() : [new("textbook straight to ClaimApi: stock sold in / won per second", $"{Duration(textbookDirect.SoldOutAfter)} / {N(textbookDirect.WinsPerSecond)}")],
                new("leases at sell-out: units leased but unclaimed when available first hit 0", drain is null ? "(no read saw available = 0)" : $"{Count(drain.LeasedAtSoldOut)} ({Count(drain.ClaimedAtSoldOut)} claimed then, {N(drain.SoldOutAtSeconds)} s into the watch)"),
                new("leases at sell-out: time until leased = 0", drain?.DrainedAfterSeconds is { } after ? $"{after * 1000:0} ms (±{o.LeaseWatchMilliseconds} ms)" : "(not within the watch)"),
                new("leases at sell-out: the read before", drain?.Before is { } b ? $"{N((drain.SoldOutAtSeconds - b.AtSeconds) * 1000)} ms earlier: available {Count(b.Available)}, leased {Count(b.Leased)}, claimed {Count(b.Claimed)}" : "(none)"),
                new("metrics reads during the storm", Count(watch.Samples.Count)),
                .. tallies,
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

    /// <summary>A campaign that starts at once with an unthrottled cursor, its claimers joined and holding their admission tokens.</summary>
    private static async Task<Prepared> PrepareAsync(string label, BenchSetup setup, int stock, int claimers, int concurrency, CancellationToken ct)
    {
        Console.Error.WriteLine($"[{Name}] setup ({label}): campaign with {Count(stock)} coupons, {Count(claimers)} shoppers joining");
        var campaignId = await setup.CreateCampaignAsync(stock, rate: 1_000_000, startsInSeconds: 3, durationSeconds: 1800, ct);
        var joined = await setup.JoinAsync(campaignId, claimers, concurrency, ct);
        await setup.WaitForCursorAsync(campaignId, joined, TimeSpan.FromSeconds(60), ct);
        var tokens = await setup.AdmissionTokensAsync(campaignId, claimers, concurrency, ct);
        var prepared = new Prepared(campaignId, tokens, setup);
        Console.Error.WriteLine($"[{Name}] setup ({label}): {Count(joined)} joined, {Count(prepared.WithToken)} admission tokens in hand");
        return prepared;
    }

    /// <summary>Every token holder claims once, <paramref name="concurrency"/> in flight (closed model), until all have.</summary>
    private static async Task<StormResult> StormAsync(string step, LoadHttp http, Prepared p, int concurrency, RunMetrics metrics, CancellationToken ct)
    {
        var coupons = new System.Collections.Concurrent.ConcurrentQueue<SeenCoupon>();
        long lastWinAt = 0;
        var stormStart = Stopwatch.GetTimestamp();
        var storm = new Scenario(step, async ctx =>
        {
            var i = (int)ctx.Iteration;
            if (p.Tokens[i] is not { } token)
            {
                return;
            }
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(i), LoadHttp.Request(HttpMethod.Post, $"/api/campaigns/{p.CampaignId}/claims", token), true, ctx.Cancellation);
            ctx.Metrics.Step(step).Record(started, reply.ToOutcome((status, type) => (status, type) is (410, "sold-out")));
            if (reply.Status is 201 or 200 && reply.Body is { } body && JsonSerializer.Deserialize(body, LoadJson.Default.ClaimReply)?.CouponCode is { } code)
            {
                coupons.Enqueue(new SeenCoupon(p.Setup.UserId(i), code, reply.Status));
                TextbookClaim.InterlockedMax(ref lastWinAt, Stopwatch.GetTimestamp());
            }
        }, [Simulation.KeepConstant(concurrency, TimeSpan.FromMinutes(10))]) { MaxIterations = p.Tokens.Length };
        await ScenarioRunner.RunAsync(storm, metrics, ct);
        return new StormResult([.. coupons], lastWinAt == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(stormStart, lastWinAt));
    }

    /// <summary>Open model: token holders claim at <paramref name="rate"/> a second whatever the answers take, so latency shows the queueing.</summary>
    private static Task<ScenarioRun> FixedRateAsync(string step, LoadHttp http, Prepared p, double rate, int seconds, RunMetrics metrics, CancellationToken ct)
    {
        var scenario = new Scenario(step, async ctx =>
        {
            var i = (int)ctx.Iteration;
            if (p.Tokens[i] is not { } token)
            {
                return;
            }
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(i), LoadHttp.Request(HttpMethod.Post, $"/api/campaigns/{p.CampaignId}/claims", token), false, ctx.Cancellation);
            ctx.Metrics.Step(step).Record(started, reply.ToOutcome((status, type) => (status, type) is (410, "sold-out")));
        }, [Simulation.Inject(rate, TimeSpan.FromSeconds(seconds))]) { MaxIterations = p.Tokens.Length };
        return ScenarioRunner.RunAsync(scenario, metrics, ct);
    }

    private sealed record Prepared(string CampaignId, string?[] Tokens, BenchSetup Setup)
    {
        public int WithToken => Tokens.Count(t => t is not null);

        /// <summary>A real admission token, so the no-op request carries the same header as a claim.</summary>
        public string? AnyToken => Tokens.FirstOrDefault(t => t is not null);
    }

    private sealed record StormResult(IReadOnlyList<SeenCoupon> Coupons, TimeSpan SoldOutAfter)
    {
        public int Wins => Coupons.Count(c => c.Status == 201);

        public double WinsPerSecond => SoldOutAfter.TotalSeconds > 0 ? Wins / SoldOutAfter.TotalSeconds : double.NaN;
    }
}
