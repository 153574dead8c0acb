using FlashSale.LoadTests.Bench;
using FlashSale.LoadTests.Campaign;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Report;
using StackExchange.Redis;

namespace FlashSale.LoadTests.Cli;

/// <summary>Each scenario's options as the command line names them, and the help that lists them.</summary>
public static class Commands
{
    public const string Usage = """
        usage: ./flashsale bench <scenario> [options]

        campaign      a whole campaign: a marketer creates it, shoppers arrive on a curve, join, wait, claim, redeem; bots hammer.
                      --shoppers N (20000, up to 2M)  --stock N (5% of shoppers)  --rate N admitted/s (shoppers/400, within 500-5000)
                      --duration S (300)  --starts-in S (20)  --bots SHARE (0.02)  --redeem-share SHARE (0.5)  --double-redeem-share SHARE (0.05)
                      --wait poll|sse (poll)  --sse-streams N (1000)  --connections N (256)  --edges N (1)  --claim-instances N (1)
                      --burst S (5)  --tail S (20)  --early-share (0.25)  --burst-share (0.5)  --first-poll-spread S (3)
                      --poll-min S (1)  --poll-max S (30)  --bot-requests N (5)  --retries N (5)  --timeout S (30)  --grace S (600)
                      --position-expiry S (900: above the generator's lag, see README)
                      --seed N  --http2
        claim-storm   admitted tokens fetched first, then N claimers at once; baselines /healthz, no-op, textbook claim in the same run.
                      --claimers N (100000)  --stock N (50000)  --concurrency N (256)  --baseline-seconds S (10)
                      --noop-path PATH (/api/bench/noop; none skips)  --noop-method (POST)  --textbook-pool N (50)  --edges N  --claim-instances N  --http2
                      --no-direct (skip claims and no-op straight to ClaimApi)  --rate R (fixed-rate phase: R claims/s, open model)
                      --p99-at SHARE (fixed-rate phase at SHARE of the max claim rate just measured, e.g. 0.8)  --rate-seconds S (10)
                      --lease-watch-ms N (50: Admin metrics reads around the sell-out)
                      --warmup-claimers N (10000 a round: a campaign of their own claimed through the edge, then 2 s of no-ops, not measured; 0 skips)
                      --warmup-rounds N (4 at most: rounds stop once one makes the services JIT-compile fewer than 100 new methods)
        join-storm    GET /healthz then joins through the edge, same load, side by side.
                      --joins N a round (100000)  --concurrency N (256)  --seconds S per phase (10)  --rounds N (9)  --warmup S (3 a round, not measured)  --warmup-rounds N (4 at most)  --live  --edges N  --http2
        sse-fanout    N shoppers hold the live-update stream through the start; connect time, first event, broadcast spread.
                      --listeners N (1000)  --seconds S (30)  --rate N (50)  --starts-in S (5)  --edges N  --http2
        admission-accuracy  the cursor against the integral of the rate: a live rate change and a pause, read every 100 ms.
                      --seconds S (60)  --rate N (500)  --rate-to N (800)  --change-at S (20)  --pause-at S (40)  --resume-at S (45)
                      --sample N (500 shoppers polling for tokens)  --starts-in S (15)  --tick-ms N (100)  --edges N  --http2
        fairness      a pre-queue joined at once, then post-start joins one by one; Spearman rho and exact FIFO by queue rank.
                      --prequeue N (10000)  --live-joins N (2000)  --concurrency N (256)  --max-rho R (0.05)  --starts-in S (20)  --edges N  --http2
        queue-memory  a queue filled in Redis to N members: bytes per member, and joins/s on it vs an empty queue.
                      --members N (10000000)  --seconds S per phase (10)  --rounds N (2)  --warmup S (3)  --concurrency N (256)
                      --max-bytes N (120)  --max-slowdown SHARE (0.2)  --keep (leave the big key)  --edges N  --http2
        limiter-cost  a token bucket per client address as addresses grow: ASP.NET Core's partitioned limiter against the edge's TokenBuckets; no system needed.
                      --addresses N,N,... (10000,100000,1000000)  --idle-seconds S (5)
        token-cost    admission-token sign and verify, HS256 and ES256, through Shared's JwtCodec on one core; no system needed.
                      --samples N (31)  --sample-ms MS (100)  --warmup-ms MS (1000)  --core N (0; -1 unpinned)
        claim-insert-cost  ClaimApi's group-commit INSERT alone on one connection, batch size by batch size: PostgreSQL's CPU per claim row.
                      --batches N,N,... (1,10,30,70,150,300)  --seconds S per size (5)  --warmup-batches N (20)

        Results go to loadtests/results/<timestamp>/ (summary.md, report.html, timeseries.csv, result.json).
        Exit code: 0 every correctness check passed, 1 a check failed, 2 bad usage, 3 the run could not be done, 130 Ctrl-C.
        """;

    public static CampaignOptions Campaign(Args a)
    {
        var d = new CampaignOptions();
        var wait = a.String("wait", "poll");
        var shoppers = a.Int("shoppers", d.Shoppers);
        // Scaled so that `--shoppers 2000000` alone is issue 5's 2M run: stock 100,000, admission 5,000/s.
        return new CampaignOptions
        {
            Shoppers = shoppers,
            Stock = a.Int("stock", Math.Max(1, shoppers / 20)),
            Rate = a.Int("rate", Math.Clamp(shoppers / 400, 500, 5_000)),
            DurationSeconds = a.Int("duration", d.DurationSeconds),
            StartsInSeconds = a.Int("starts-in", d.StartsInSeconds),
            BotShare = a.Share("bots", d.BotShare),
            RedeemShare = a.Share("redeem-share", d.RedeemShare),
            DoubleRedeemShare = a.Share("double-redeem-share", d.DoubleRedeemShare),
            Wait = wait switch
            {
                "poll" => WaitMode.Poll,
                "sse" => WaitMode.Sse,
                _ => throw new UsageException("--wait is poll or sse"),
            },
            SseStreams = a.Int("sse-streams", d.SseStreams),
            Connections = a.Int("connections", d.Connections),
            Edges = a.Int("edges", d.Edges),
            ClaimInstances = a.Int("claim-instances", d.ClaimInstances),
            BurstSeconds = a.Double("burst", d.BurstSeconds),
            TailSeconds = a.Double("tail", d.TailSeconds),
            EarlyShare = a.Share("early-share", d.EarlyShare),
            BurstShare = a.Share("burst-share", d.BurstShare),
            FirstPollSpreadSeconds = a.Double("first-poll-spread", d.FirstPollSpreadSeconds),
            PollMinSeconds = a.Double("poll-min", d.PollMinSeconds),
            PollMaxSeconds = a.Double("poll-max", d.PollMaxSeconds),
            BotRequests = a.Int("bot-requests", d.BotRequests),
            MaxRetries = a.Int("retries", d.MaxRetries),
            RequestTimeout = TimeSpan.FromSeconds(a.Double("timeout", d.RequestTimeout.TotalSeconds)),
            GraceSeconds = a.Int("grace", d.GraceSeconds),
            PositionExpirySeconds = a.Int("position-expiry", d.PositionExpirySeconds),
            Seed = a.Int("seed", d.Seed),
            Http2 = a.Flag("http2"),
        };
    }

    public static ClaimStormOptions ClaimStorm(Args a)
    {
        var d = new ClaimStormOptions();
        return new ClaimStormOptions
        {
            Claimers = a.Int("claimers", d.Claimers),
            Stock = a.Int("stock", d.Stock),
            Concurrency = a.Int("concurrency", d.Concurrency),
            BaselineSeconds = a.Int("baseline-seconds", d.BaselineSeconds),
            NoOpPath = a.String("noop-path", d.NoOpPath!) is var noop && noop != "none" ? noop : null,
            NoOpMethod = a.String("noop-method", d.NoOpMethod).ToUpperInvariant(),
            TextbookPool = a.Int("textbook-pool", d.TextbookPool),
            Edges = a.Int("edges", d.Edges),
            ClaimInstances = a.Int("claim-instances", d.ClaimInstances),
            Direct = !a.Flag("no-direct"),
            FixedRate = a.Has("rate") ? a.Double("rate", 0) : null,
            FixedRateShare = a.Has("p99-at") ? a.Share("p99-at", 0) : null,
            FixedRateSeconds = a.Int("rate-seconds", d.FixedRateSeconds),
            LeaseWatchMilliseconds = a.Int("lease-watch-ms", d.LeaseWatchMilliseconds),
            WarmupClaimers = a.Int("warmup-claimers", d.WarmupClaimers),
            WarmupRounds = a.Int("warmup-rounds", d.WarmupRounds),
            Http2 = a.Flag("http2"),
        };
    }

    public static AdmissionAccuracyOptions AdmissionAccuracy(Args a)
    {
        var d = new AdmissionAccuracyOptions();
        return new AdmissionAccuracyOptions
        {
            Seconds = a.Int("seconds", d.Seconds),
            Rate = a.Int("rate", d.Rate),
            RateTo = a.Int("rate-to", d.RateTo),
            ChangeAt = a.Double("change-at", d.ChangeAt),
            PauseAt = a.Double("pause-at", d.PauseAt),
            ResumeAt = a.Double("resume-at", d.ResumeAt),
            Sample = a.Int("sample", d.Sample),
            StartsInSeconds = a.Int("starts-in", d.StartsInSeconds),
            TickMilliseconds = a.Int("tick-ms", d.TickMilliseconds),
            Edges = a.Int("edges", d.Edges),
            Http2 = a.Flag("http2"),
        };
    }

    public static FairnessOptions Fairness(Args a)
    {
        var d = new FairnessOptions();
        return new FairnessOptions
        {
            PreQueue = a.Int("prequeue", d.PreQueue),
            LiveJoins = a.Int("live-joins", d.LiveJoins),
            Concurrency = a.Int("concurrency", d.Concurrency),
            MaxRho = a.Double("max-rho", d.MaxRho),
            StartsInSeconds = a.Int("starts-in", d.StartsInSeconds),
            Edges = a.Int("edges", d.Edges),
            Http2 = a.Flag("http2"),
        };
    }

    public static QueueMemoryOptions QueueMemory(Args a)
    {
        var d = new QueueMemoryOptions();
        return new QueueMemoryOptions
        {
            Members = a.Int("members", d.Members),
            Seconds = a.Int("seconds", d.Seconds),
            Rounds = Math.Max(1, a.Int("rounds", d.Rounds)),
            Concurrency = a.Int("concurrency", d.Concurrency),
            WarmupSeconds = a.Int("warmup", d.WarmupSeconds),
            MaxBytesPerMember = a.Double("max-bytes", d.MaxBytesPerMember),
            MaxSlowdown = a.Share("max-slowdown", d.MaxSlowdown),
            Keep = a.Flag("keep"),
            Edges = a.Int("edges", d.Edges),
            Http2 = a.Flag("http2"),
        };
    }

    public static JoinStormOptions JoinStorm(Args a)
    {
        var d = new JoinStormOptions();
        return new JoinStormOptions
        {
            Joins = a.Int("joins", d.Joins),
            Concurrency = a.Int("concurrency", d.Concurrency),
            Seconds = a.Int("seconds", d.Seconds),
            WarmupSeconds = a.Int("warmup", d.WarmupSeconds),
            WarmupRounds = a.Int("warmup-rounds", d.WarmupRounds),
            Rounds = Math.Max(1, a.Int("rounds", d.Rounds)),
            Live = a.Flag("live"),
            Edges = a.Int("edges", d.Edges),
            Http2 = a.Flag("http2"),
        };
    }

    public static SseFanoutOptions SseFanout(Args a)
    {
        var d = new SseFanoutOptions();
        return new SseFanoutOptions
        {
            Listeners = a.Int("listeners", d.Listeners),
            Seconds = a.Int("seconds", d.Seconds),
            Rate = a.Int("rate", d.Rate),
            StartsInSeconds = a.Int("starts-in", d.StartsInSeconds),
            Edges = a.Int("edges", d.Edges),
            Http2 = a.Flag("http2"),
        };
    }

    public static TokenCostOptions TokenCost(Args a)
    {
        var d = new TokenCostOptions();
        var o = new TokenCostOptions
        {
            Samples = a.Int("samples", d.Samples),
            SampleMilliseconds = a.Int("sample-ms", d.SampleMilliseconds),
            WarmupMilliseconds = a.Int("warmup-ms", d.WarmupMilliseconds),
            Core = a.Int("core", d.Core),
        };
        return o switch
        {
            { Samples: < 1 } => throw new UsageException("--samples must be at least 1"),
            { SampleMilliseconds: < 1 } or { WarmupMilliseconds: < 0 } => throw new UsageException("--sample-ms must be at least 1 and --warmup-ms not negative"),
            { Core: < -1 } => throw new UsageException("--core is a core number, or -1 for unpinned"),
            _ when o.Core >= Environment.ProcessorCount => throw new UsageException($"--core {o.Core}: this machine has cores 0-{Environment.ProcessorCount - 1}"),
            _ => o,
        };
    }

    public static ClaimInsertCostOptions ClaimInsertCost(Args a)
    {
        var d = new ClaimInsertCostOptions();
        var o = new ClaimInsertCostOptions
        {
            BatchSizes = a.Ints("batches", d.BatchSizes),
            Seconds = a.Int("seconds", d.Seconds),
            WarmupBatches = a.Int("warmup-batches", d.WarmupBatches),
        };
        return o switch
        {
            { BatchSizes.Count: 0 } => throw new UsageException("--batches needs at least one size"),
            _ when o.BatchSizes.Any(n => n is < 1 or > 10_000) => throw new UsageException("--batches: each size is between 1 and 10000"),
            { Seconds: < 1 } => throw new UsageException("--seconds must be at least 1"),
            { WarmupBatches: < 0 } => throw new UsageException("--warmup-batches must not be negative"),
            _ => o,
        };
    }

    public static LimiterCostOptions LimiterCost(Args a)
    {
        var d = new LimiterCostOptions();
        var o = new LimiterCostOptions { Addresses = a.Ints("addresses", d.Addresses), IdleSeconds = a.Int("idle-seconds", d.IdleSeconds) };
        return o switch
        {
            { Addresses.Count: 0 } => throw new UsageException("--addresses needs at least one number"),
            _ when o.Addresses.Any(n => n < 1) => throw new UsageException("--addresses: each is a positive whole number"),
            { IdleSeconds: < 1 } => throw new UsageException("--idle-seconds must be at least 1"),
            _ => o,
        };
    }

    /// <summary>Parses, runs and reports one scenario; answers the process exit code.</summary>
    public static async Task<int> RunAsync(string[] argv, CancellationToken ct)
    {
        Args args;
        Func<Target, Task<RunResult>> run;
        try
        {
            args = Args.Parse(argv);
            run = args.Scenario switch
            {
                CampaignScenario.Name => Bind(args, Campaign, (o, t) => CampaignScenario.RunAsync(o, t, ct)),
                Bench.ClaimStorm.Name => Bind(args, ClaimStorm, (o, t) => Bench.ClaimStorm.RunAsync(o, t, ct)),
                Bench.JoinStorm.Name => Bind(args, JoinStorm, (o, t) => Bench.JoinStorm.RunAsync(o, t, ct)),
                Bench.SseFanout.Name => Bind(args, SseFanout, (o, t) => Bench.SseFanout.RunAsync(o, t, ct)),
                Bench.AdmissionAccuracy.Name => Bind(args, AdmissionAccuracy, (o, t) => Bench.AdmissionAccuracy.RunAsync(o, t, ct)),
                Bench.Fairness.Name => Bind(args, Fairness, (o, t) => Bench.Fairness.RunAsync(o, t, ct)),
                Bench.QueueMemory.Name => Bind(args, QueueMemory, (o, t) => Bench.QueueMemory.RunAsync(o, t, ct)),
                Bench.TokenCost.Name => Bind(args, TokenCost, (o, t) => Bench.TokenCost.RunAsync(o, t, ct)),
                Bench.LimiterCost.Name => Bind(args, LimiterCost, (o, t) => Bench.LimiterCost.RunAsync(o, t, ct)),
                Bench.ClaimInsertCost.Name => Bind(args, ClaimInsertCost, (o, t) => Bench.ClaimInsertCost.RunAsync(o, t, ct)),
                "" or "help" => throw new UsageException("name a scenario"),
                _ => throw new UsageException($"no scenario '{args.Scenario}'"),
            };
            if (args.Unread().ToList() is { Count: > 0 } unknown)
            {
                throw new UsageException($"unknown option(s) for {args.Scenario}: {string.Join(", ", unknown.Select(u => "--" + u))}");
            }
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"loadtests: {e.Message}\n\n{Usage}");
            return 2;
        }

        RunResult result;
        Target? target = null;
        try
        {
            target = Target.FromEnvironment();
            result = await run(target);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"loadtests: {args.Scenario} cancelled; nothing was checked or reported");
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or HttpRequestException or TimeoutException or Npgsql.NpgsqlException or StackExchange.Redis.RedisException)
        {
            await Console.Error.WriteLineAsync($"loadtests: {args.Scenario} could not run: {e.Message}");
            return 3;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not a state of the system we know how to describe: the whole trace, so the bug can be found.
            await Console.Error.WriteLineAsync($"loadtests: {args.Scenario} failed: {e}");
            return 3;
        }
        finally
        {
            if (target is not null)
            {
                await RetireCampaignsAsync(target);
            }
        }
        Console.WriteLine();
        Console.WriteLine(MarkdownReport.Render(result));
        if (result.ReportFolder is { } folder)
        {
            Console.WriteLine($"Report: {Path.Combine(folder, "summary.md")} and {Path.Combine(folder, "report.html")}");
        }
        if (result.Scenario == Bench.SseFanout.Name && result.Steps.FirstOrDefault(s => s.Name == Bench.SseFanout.Connect) is not { Ok: > 0 })
        {
            return 3;
        }
        return result.Passed ? 0 : 1;
    }

    private static async Task RetireCampaignsAsync(Target target)
    {
        try
        {
            if (await BenchCampaigns.RetireAsync(target, CancellationToken.None) is > 0 and var unlinked)
            {
                await Console.Error.WriteLineAsync($"loadtests: cancelled this run's campaigns and unlinked {unlinked} of their Redis keys (queues, seen marks, admission tokens)");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or RedisException)
        {
            await Console.Error.WriteLineAsync($"loadtests: could not retire this run's campaigns: {e.Message}");
        }
    }

    // Options are read (and so marked known) before the run starts, so a typo fails at once.
    private static Func<Target, Task<RunResult>> Bind<T>(Args args, Func<Args, T> read, Func<T, Target, Task<RunResult>> run)
    {
        var options = read(args);
        return target => run(options, target);
    }
}
