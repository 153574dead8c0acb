using System.Diagnostics;
using FlashSale.LoadTests.Campaign;
using FlashSale.LoadTests.Cli;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Report;
using FlashSale.LoadTests.Runner;
using FlashSale.Shared.Redis;
using StackExchange.Redis;
using static FlashSale.LoadTests.Report.Format;

namespace FlashSale.LoadTests.Bench;

public sealed record JoinStormOptions
{
    /// <summary>Most joins (each a new shopper); the phase also stops after <see cref="Seconds"/>.</summary>
    public int Joins { get; init; } = 100_000;

    public int Concurrency { get; init; } = 256;

    /// <summary>Length of each phase of a round: GET /healthz, then joins, then polls.</summary>
    public int Seconds { get; init; } = 10;

    /// <summary>
    /// Rounds of healthz, joins and polls, one after another: this shared machine's speed drifts by tens of percent
    /// within a minute, so each ratio is taken within a round and the median round is the headline. Nine, not three:
    /// on one build the medians of six three-round runs ranged 0.59–0.69, where all 36 rounds run on it had 0.64.
    /// </summary>
    public int Rounds { get; init; } = 9;

    /// <summary>Joins and polls on a campaign of their own before the measured phases, so those run JIT-optimized code.</summary>
    public int WarmupSeconds { get; init; } = 3;

    /// <summary>Most warm-up rounds (each joins and polls for <see cref="WarmupSeconds"/>); they stop once one leaves the edge warm.</summary>
    public int WarmupRounds { get; init; } = 4;

    /// <summary>Join a live campaign (FIFO scores) instead of the pre-queue (random draws).</summary>
    public bool Live { get; init; }

    public int Edges { get; init; } = 1;

    public bool Http2 { get; init; }
}

/// <summary>join-storm: GET /healthz, joins and polls through the edge, same load shape, side by side in rounds of one run.</summary>
public static class JoinStorm
{
    public const string Name = "join-storm";
    public static string HealthzStep(int round) => $"round {round}: GET /healthz (edge)";

    public static string Step(int round) => $"round {round}: join (edge: session check + Redis script)";

    public static string StatusStep(int round) => $"round {round}: status (the joined shoppers poll their place)";
    public const string WarmupJoin = "warm-up: join (not measured)";
    public const string WarmupStatus = "warm-up: status (not measured)";

    public static async Task<RunResult> RunAsync(JoinStormOptions o, Target target, CancellationToken ct)
    {
        using var start = await BenchStart.OpenAsync(target, "js", o.Edges, o.Concurrency, o.Http2, ct);
        var (metrics, startedAt, origin, http, minter) = (start.Metrics, start.StartedAt, start.Origin, start.Http, start.Minter);
        var setup = start.Setup;
        // A campaign a round, so every round's joins meet the same empty queue.
        var campaigns = new string[o.Rounds];
        for (var r = 0; r < o.Rounds; r++)
        {
            campaigns[r] = await setup.CreateCampaignAsync(stock: 1000, rate: 1, startsInSeconds: o.Live ? 2 : 3600, durationSeconds: 3600, ct);
        }
        if (o.Live)
        {
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
        }

        var progress = Progress.StepRates(Name, metrics);
        var sampler = new Sampler(metrics, progress);
        var during = TimeSpan.FromSeconds(o.Seconds);
        // Sessions come from the identity provider, not from the edge: minted before the clock starts, so the
        // generator's signing does not eat into the CPU the edge is measured on. Each shopper keeps its session, as a
        // browser does, and polls with it afterwards. Every round has shoppers of its own (new sessions, new joins).
        var sessions = MintSessions(minter, setup, first: 0, o.Joins * o.Rounds);
        WarmUp? warmedBy = null;
        if (o.WarmupSeconds > 0)
        {
            // An edge that has served no join yet runs the join and status paths unoptimized until the JIT's tiering
            // catches up, while /healthz is warm from the preflight: warm both paths first, on shoppers and a campaign
            // that the measured phases do not use (their sessions would otherwise be cached hits).
            var warm = TimeSpan.FromSeconds(o.WarmupSeconds);
            var warmSessions = MintSessions(minter, setup, first: o.Joins * o.Rounds, o.Joins);
            // A campaign a round, so each round's joins are new members again.
            warmedBy = await new JitWatch(http.Edges).WarmUntilQuietAsync(async _ =>
            {
                var warmCampaign = await setup.CreateCampaignAsync(stock: 1000, rate: 1, startsInSeconds: 3600, durationSeconds: 3600, ct);
                var warmJoined = await JoinPhaseAsync(WarmupJoin, http, warmCampaign, warmSessions, o.Concurrency, warm, metrics, ct);
                await StatusPhaseAsync(WarmupStatus, http, warmCampaign, warmSessions, warmJoined, o.Concurrency, warm, metrics, ct);
            }, Math.Max(1, o.WarmupRounds), ct);
        }
        var joinedPerRound = new int[o.Rounds];
        var fromMemoryBefore = await PollsFromMemoryAsync(http.Edges, ct);
        for (var r = 0; r < o.Rounds; r++)
        {
            var round = sessions[(r * o.Joins)..((r + 1) * o.Joins)];
            await Baselines.HealthzAsync(http, metrics, o.Concurrency, during, ct, HealthzStep(r + 1));
            joinedPerRound[r] = await JoinPhaseAsync(Step(r + 1), http, campaigns[r], round, o.Concurrency, during, metrics, ct);
            await StatusPhaseAsync(StatusStep(r + 1), http, campaigns[r], round, joinedPerRound[r], o.Concurrency, during, metrics, ct);
        }
        var fromMemory = await PollsFromMemoryAsync(http.Edges, ct) - fromMemoryBefore;
        await sampler.DisposeAsync();

        long queueLength = 0;
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(target.Redis))
        {
            foreach (var campaignId in campaigns)
            {
                queueLength += await mux.GetDatabase().SortedSetLengthAsync(RedisKeys.Queue(campaignId));
            }
        }
        var steps = sampler.Summaries();
        var rounds = Enumerable.Range(1, o.Rounds).Select(r => (
            Healthz: steps.First(s => s.Name == HealthzStep(r)),
            Join: steps.First(s => s.Name == Step(r)),
            Status: steps.FirstOrDefault(s => s.Name == StatusStep(r)))).ToArray();
        var joinRatios = rounds.Select(r => r.Join.RatePerSecond / r.Healthz.RatePerSecond).ToArray();
        var statusRatios = rounds.Select(r => r.Status is { } st ? st.RatePerSecond / r.Healthz.RatePerSecond : double.NaN).ToArray();
        var joinMedian = rounds[MedianIndex(joinRatios)];
        var statusMedian = rounds[MedianIndex(statusRatios)];
        var joinsOk = rounds.Sum(r => r.Join.Ok);
        var statusOk = rounds.Sum(r => r.Status?.Ok ?? 0);
        var result = new RunResult(Name, startedAt, Stopwatch.GetElapsedTime(origin),
            [
                new("campaigns (one a round)", string.Join(", ", campaigns)), new("queue", o.Live ? "live (post-start, FIFO)" : "pre-queue (random draws)"),
                new("rounds", Count(o.Rounds)), new("concurrency", Count(o.Concurrency)), new("seconds per phase", Count(o.Seconds)), new("most joins a round", Count(o.Joins)),
                new("edges", string.Join(", ", http.Edges)), new("HTTP", o.Http2 ? "HTTP/2 (prior knowledge)" : "HTTP/1.1 keep-alive"),
            ],
            steps, [],
            [
                new($"joins per second ÷ GET /healthz per second (median round of {o.Rounds}: {Ratios(joinRatios)})", "join", joinMedian.Join.RatePerSecond, "healthz", joinMedian.Healthz.RatePerSecond),
                new($"status answers per second ÷ GET /healthz per second (median round of {o.Rounds}: {Ratios(statusRatios)})", "status", statusMedian.Status?.RatePerSecond ?? double.NaN, "healthz", statusMedian.Healthz.RatePerSecond),
            ],
            [
                new("joins answered 202", Count(joinsOk)), new("queue length in Redis afterwards (all rounds)", Count(queueLength)),
                new("status polls answered 200 (all rounds)", Count(statusOk)),
                new("of those, answered from the edges' memory without Redis (flashsale_queue_answers_from_memory_total)",
                    fromMemory is { } m ? $"{Count(m)} ({m / (double)Math.Max(1, statusOk):P0})" : "(an edge's /metrics did not answer)"),
            ],
            [
                "Each join is a new shopper with a locally minted session; the edge validates it (HS256) and runs the join script on Redis.",
                o.WarmupSeconds > 0
                    ? $"Before the measured phases, warm-up rounds of {o.WarmupSeconds} s of joins and {o.WarmupSeconds} s of polls by other shoppers, each on a campaign of its own, warmed the join and status paths: {warmedBy?.Describe()} (the warm-up steps; not in the ratios)."
                    : "No warm-up (--warmup 0): the join phase includes the edge's first, unoptimized runs of the join path.",
                "After each round's joins, for as long again, its shoppers poll their place with the session they joined with (the edge checks the session's signature on every request: 1.6 µs, less than remembering it).",
                o.Live
                    ? "After the start an edge answers a waiting shopper's poll from memory while the shopper's seen mark is under 14 s old and the shopper cannot have reached the cursor (LivePlaces); here the round's polls cycle through its shoppers in join order, so each polls once or twice, roughly 5 and 10 s after its join (a page polls every 1–3 s)."
                    : "Before the start an edge answers a known pre-queue member's poll from memory (PrequeueMembers).",
                $"{o.Rounds} rounds, each GET /healthz, then joins, then polls, {o.Seconds} s apiece on a campaign of its own; each ratio is taken within a round, and the headline is the median round's.",
                queueLength == joinsOk ? "The queues hold exactly one member per 202." : $"The queues hold {Count(queueLength)} members for {Count(joinsOk)} 202s.",
            ],
            sampler.Series,
            [
                new("Throughput", "per second", [.. Enumerable.Range(1, o.Rounds).SelectMany(r => new[] { SeriesNames.Rate(HealthzStep(r)), SeriesNames.Rate(Step(r)), SeriesNames.Rate(StatusStep(r)) })]),
                new("p99 latency", "ms", [.. Enumerable.Range(1, o.Rounds).SelectMany(r => new[] { SeriesNames.P99(HealthzStep(r)), SeriesNames.P99(Step(r)), SeriesNames.P99(StatusStep(r)) })]),
            ],
            MachineInfo.Capture());
        return result with { ReportFolder = await ReportWriter.WriteAsync(result, target.ResultsRoot) };
    }

    /// <summary>Queue answers the edges gave from memory so far (pre-queue and live), or null when an edge's /metrics did not answer.</summary>
    private static async Task<long?> PollsFromMemoryAsync(IReadOnlyList<Uri> edges, CancellationToken ct)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        long total = 0;
        foreach (var edge in edges)
        {
            if (await ServiceMetrics.ScrapeAsync(client, edge, ct) is not { } text)
            {
                return null;
            }
            total += (long)(ServiceMetrics.Sum(text, "flashsale_queue_answers_from_memory_total") ?? 0);
        }
        return total;
    }

    /// <summary>The index of the median (the lower one of an even count), NaN last.</summary>
    private static int MedianIndex(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => double.IsNaN(values[i]) ? double.MaxValue : values[i]).ToArray();
        return order[(values.Length - 1) / 2];
    }

    private static string Ratios(double[] values) => string.Join(", ", values.Select(v => $"{v:0.00}"));

    /// <summary>Sessions for shoppers <paramref name="first"/> onwards, as the identity provider would sign them.</summary>
    private static string[] MintSessions(SessionMinter minter, BenchSetup setup, int first, int count)
    {
        var sessions = new string[count];
        Parallel.For(0, count, i => sessions[i] = minter.Mint(setup.UserId(first + i)));
        return sessions;
    }

    /// <summary>Each iteration is a new shopper joining; answers how many joined (iterations go out in order, so shoppers 0..n-1).</summary>
    private static async Task<int> JoinPhaseAsync(
        string step, LoadHttp http, string campaignId, string[] sessions, int concurrency, TimeSpan during, RunMetrics metrics, CancellationToken ct)
    {
        var joins = new Scenario(step, async ctx =>
        {
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(ctx.Iteration), LoadHttp.Request(HttpMethod.Post, $"/api/campaigns/{campaignId}/queue", sessions[ctx.Iteration]), false, ctx.Cancellation);
            ctx.Metrics.Step(step).Record(started, reply.ToOutcome());
        }, [Simulation.KeepConstant(concurrency, during)]) { MaxIterations = sessions.Length };
        return (int)(await ScenarioRunner.RunAsync(joins, metrics, ct)).Iterations;
    }

    /// <summary>The first <paramref name="joined"/> shoppers poll their place in turn, each with the session it joined with.</summary>
    private static async Task StatusPhaseAsync(
        string step, LoadHttp http, string campaignId, string[] sessions, int joined, int concurrency, TimeSpan during, RunMetrics metrics, CancellationToken ct)
    {
        if (joined == 0)
        {
            return;
        }
        var polls = new Scenario(step, async ctx =>
        {
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(ctx.Iteration), LoadHttp.Request(HttpMethod.Get, $"/api/campaigns/{campaignId}/queue", sessions[ctx.Iteration % joined]), false, ctx.Cancellation);
            ctx.Metrics.Step(step).Record(started, reply.ToOutcome());
        }, [Simulation.KeepConstant(concurrency, during)]);
        await ScenarioRunner.RunAsync(polls, metrics, ct);
    }
}
