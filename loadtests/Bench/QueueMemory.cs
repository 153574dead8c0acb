using System.Diagnostics;
using System.Globalization;
using FlashSale.LoadTests.Campaign;
using FlashSale.LoadTests.Checks;
using FlashSale.LoadTests.Cli;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Report;
using FlashSale.LoadTests.Runner;
using FlashSale.Shared.Redis;
using StackExchange.Redis;
using static FlashSale.LoadTests.Report.Format;

namespace FlashSale.LoadTests.Bench;

public sealed record QueueMemoryOptions
{
    /// <summary>Members written into the big queue.</summary>
    public int Members { get; init; } = 10_000_000;

    /// <summary>Join phase length, each queue, each round.</summary>
    public int Seconds { get; init; } = 10;

    /// <summary>Empty, big, empty, big…: alternating rounds, so drift in a shared machine's load hits both queues alike.</summary>
    public int Rounds { get; init; } = 2;

    public int Concurrency { get; init; } = 256;

    /// <summary>Joins on the empty queue before anything is measured: a freshly started edge runs its first seconds half as fast (JIT, pools).</summary>
    public int WarmupSeconds { get; init; } = 3;

    public double MaxBytesPerMember { get; init; } = 120;

    /// <summary>Join throughput on the big queue may differ from the empty one by at most this share.</summary>
    public double MaxSlowdown { get; init; } = 0.2;

    public bool Keep { get; init; }

    public int Edges { get; init; } = 1;

    public bool Http2 { get; init; }
}

/// <summary>
/// queue-memory: one campaign's queue filled in Redis to N members by the edge's own join script (queue member, seen
/// mark, join counter: everything a waiting shopper costs), the memory per member measured right after the fill and
/// again once every member has been looked up (as each one's first status poll does), then join throughput through
/// the edge on an empty queue and on the full one, same load, alternating. The big keys are unlinked afterwards.
/// </summary>
public static class QueueMemory
{
    public const string Name = "queue-memory";
    public const string BytesPerMember = "Redis memory per queue member within target";
    public const string JoinsHold = "Join throughput on the full queue within target of the empty queue";

    public static async Task<RunResult> RunAsync(QueueMemoryOptions o, Target target, CancellationToken ct)
    {
        using var start = await BenchStart.OpenAsync(target, "qm", o.Edges, o.Concurrency, o.Http2, ct);
        var (metrics, startedAt, origin, http, tag, minter) = (start.Metrics, start.StartedAt, start.Origin, start.Http, start.Tag, start.Minter);
        var admin = start.Admin;
        var setup = start.Setup;
        var redisOptions = ConfigurationOptions.Parse(target.Redis);
        // CONFIG and INFO are admin commands; this is the private Redis `./flashsale up` started.
        redisOptions.AllowAdmin = true;
        redisOptions.SyncTimeout = redisOptions.AsyncTimeout = 60_000;
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redisOptions);
        var redis = mux.GetDatabase();
        var server = mux.GetServers()[0];

        var empty = await setup.CreateCampaignAsync(stock: 1_000, rate: 1, startsInSeconds: 7200, durationSeconds: 3600, ct);
        var full = await setup.CreateCampaignAsync(stock: 1_000, rate: 1, startsInSeconds: 7200, durationSeconds: 3600, ct);
        if (o.Keep)
        {
            BenchCampaigns.Keep(full);
        }
        var fullKey = RedisKeys.Queue(full);
        var seenKey = RedisKeys.Seen(full);
        var notes = new List<string>();

        // An RDB snapshot of a GiB-sized set (the fork, the write) would land in the middle of the measurement.
        var save = (await server.ConfigGetAsync("save")).FirstOrDefault().Value ?? "";
        await server.ConfigSetAsync("save", "");
        long written = 0, before, after, settled, keyBytes, seenBytes;
        string encoding;
        var fillSeconds = 0.0;
        try
        {
            before = await UsedMemoryAsync(server);
            var progress = new Progress(Name, _ => new ProgressStatus($"ZADD {Count(Interlocked.Read(ref written))} of {Count(o.Members)}", (double)Interlocked.Read(ref written) / o.Members));
            var filling = new Sampler(metrics, progress);
            var fillStart = Stopwatch.GetTimestamp();
            await QueueFill.PreQueueAsync(redis, full, tag, o.Members, ct, inFlight: 16, written: n => Interlocked.Exchange(ref written, n));
            fillSeconds = Stopwatch.GetElapsedTime(fillStart).TotalSeconds;
            await filling.DisposeAsync();
            after = await UsedMemoryAsync(server);
            // Redis grows a sorted set's hash table by doubling it and moves the old buckets over one per operation on
            // the set, so right after a fill past a power of two both tables are allocated. A live queue is polled all
            // the time; one lookup of every member (as a first status poll does) is what it takes to settle.
            await LookUpEveryMemberAsync(redis, fullKey, tag, o.Members, ct);
            settled = await UsedMemoryAsync(server);
            keyBytes = (long)await redis.ExecuteAsync("MEMORY", "USAGE", fullKey, "SAMPLES", "1000");
            seenBytes = (long)await redis.ExecuteAsync("MEMORY", "USAGE", seenKey);
            encoding = (string?)await redis.ExecuteAsync("OBJECT", "ENCODING", fullKey) ?? "?";
            var members = await redis.SortedSetLengthAsync(fullKey);
            if (members != o.Members)
            {
                notes.Add($"The queue holds {Count(members)} members, not {Count(o.Members)}: some generated ids collided.");
            }
        }
        catch
        {
            await CleanUpAsync(redis, server, [fullKey, seenKey], save, o.Keep);
            throw;
        }

        var progressJoins = Progress.StepRates(Name, metrics);
        var sampler = new Sampler(metrics, progressJoins);
        var rates = new Dictionary<string, List<double>> { [empty] = [], [full] = [] };
        long user = 0;
        try
        {
            var phases = Enumerable.Range(1, o.Rounds).SelectMany(round => new[] { (round, empty), (round, full) });
            foreach (var (round, campaignId) in o.WarmupSeconds > 0 ? phases.Prepend((0, empty)) : phases)
            {
                var step = round == 0 ? "warm-up: join, empty queue (not measured)"
                    : $"join: {(campaignId == empty ? "empty queue" : Count(o.Members) + " queue")} (round {round})";
                long ok = 0;
                var joins = new Scenario(step, async ctx =>
                {
                    var i = Interlocked.Increment(ref user);
                    var started = Stopwatch.GetTimestamp();
                    var reply = await LoadHttp.SendAsync(http.For(i), LoadHttp.Request(HttpMethod.Post, $"/api/campaigns/{campaignId}/queue", minter.Mint(setup.UserId(i))), false, ctx.Cancellation);
                    ctx.Metrics.Step(step).Record(started, reply.ToOutcome());
                    if (reply.Status == 202)
                    {
                        Interlocked.Increment(ref ok);
                    }
                }, [Simulation.KeepConstant(o.Concurrency, TimeSpan.FromSeconds(round == 0 ? o.WarmupSeconds : o.Seconds))]);
                var run = await ScenarioRunner.RunAsync(joins, metrics, ct);
                if (round > 0)
                {
                    rates[campaignId].Add(Interlocked.Read(ref ok) / run.Duration.TotalSeconds);
                }
            }
        }
        finally
        {
            await sampler.DisposeAsync();
            await CleanUpAsync(redis, server, [fullKey, seenKey], save, o.Keep);
            await admin.CancelAsync(empty, CancellationToken.None);
            await admin.CancelAsync(full, CancellationToken.None);
        }

        var perMember = (settled - before) / (double)o.Members;
        var perMemberAtFill = (after - before) / (double)o.Members;
        var emptyRate = rates[empty].Average();
        var fullRate = rates[full].Average();
        var ratio = fullRate / emptyRate;
        var checks = new List<CheckResult>
        {
            CheckResult.Of(BytesPerMember, perMember <= o.MaxBytesPerMember,
                $"used_memory grew {MachineInfo.Bytes(settled - before)} for {Count(o.Members)} waiting shoppers = {perMember:0.0} bytes each (target <= {o.MaxBytesPerMember:0}); "
                + $"right after the fill (before the lookups that finish any rehash of the set's table) {perMemberAtFill:0.0}; MEMORY USAGE: queue {keyBytes / (double)o.Members:0.0} + seen marks {seenBytes / (double)o.Members:0.0} bytes each"),
            CheckResult.Of(JoinsHold, Math.Abs(ratio - 1) <= o.MaxSlowdown,
                $"{N(fullRate)} joins/s on the {Count(o.Members)} queue vs {N(emptyRate)} on the empty one = {ratio:0.00}× (target within ±{o.MaxSlowdown:0%}); rounds: empty {string.Join(", ", rates[empty].Select(r => N(r)))}, full {string.Join(", ", rates[full].Select(r => N(r)))}"),
        };
        notes.Add("Members are written by the edge's join script (EVALSHA, 1,000 per pipeline), as pre-queue joins: member the 14-character hash of a user id in the generator's format, score the permuted join index, a 4-byte seen mark.");
        notes.Add($"Memory is Redis's used_memory before the fill, right after it, and after one ZSCORE of every member (the whole server; other campaigns were idle), and MEMORY USAGE of the two keys (the queue sampled 1,000 members). The RDB save schedule was switched off during the run ({(save.Length == 0 ? "it was already off" : $"'{save}', restored")}).");
        notes.Add($"Join phases alternate empty/full after a {o.WarmupSeconds} s warm-up on the empty queue, {o.Rounds} round(s) of {o.Seconds} s each at {o.Concurrency} in flight; joins per second are 202s over each phase's wall time, averaged per queue. Pre-queue joins: for each joiner the permutation (six arithmetic Feistel rounds) and ZADD NX (a ZSCORE only for one already in line), and one SETRANGE for the seen marks of a batch's new places; ZADD is O(log n) in a skiplist.");
        notes.Add(o.Keep ? $"The big keys {fullKey} and {seenKey} were kept (--keep)." : $"The big keys were unlinked afterwards (UNLINK frees them in the background).");
        var result = new RunResult(Name, startedAt, Stopwatch.GetElapsedTime(origin),
            [
                new("members", Count(o.Members)), new("empty campaign", empty), new("full campaign", full), new("encoding", encoding),
                new("fill", $"{Duration(TimeSpan.FromSeconds(fillSeconds))} ({N(o.Members / Math.Max(fillSeconds, 0.001))} joins/s, the join script in pipelines of 1,000, 16 in flight)"),
                new("join concurrency", Count(o.Concurrency)), new("join seconds per phase", Count(o.Seconds)), new("rounds", Count(o.Rounds)),
                new("edges", string.Join(", ", http.Edges)),
            ],
            sampler.Summaries(),
            checks,
            [new($"joins per second: {Count(o.Members)} queue ÷ empty queue", "full", fullRate, "empty", emptyRate)],
            [
                new("used_memory before / after the fill / after a lookup of each", $"{MachineInfo.Bytes(before)} / {MachineInfo.Bytes(after)} / {MachineInfo.Bytes(settled)}"),
                new("bytes per member (used_memory delta ÷ members)", $"{perMember:0.0} ({perMemberAtFill:0.0} right after the fill)"),
                new("MEMORY USAGE of the queue", $"{MachineInfo.Bytes(keyBytes)} ({keyBytes / (double)o.Members:0.0} bytes per member)"),
                new("MEMORY USAGE of the seen marks", $"{MachineInfo.Bytes(seenBytes)} ({seenBytes / (double)o.Members:0.0} bytes per member)"),
            ],
            notes, sampler.Series,
            [
                new("Throughput", "per second", [.. metrics.Steps.Where(s => s.Name.StartsWith("join", StringComparison.Ordinal)).Select(s => SeriesNames.Rate(s.Name))]),
                new("p99 latency", "ms", [.. metrics.Steps.Where(s => s.Name.StartsWith("join", StringComparison.Ordinal)).Select(s => SeriesNames.P99(s.Name))]),
            ],
            MachineInfo.Capture());
        return result with { ReportFolder = await ReportWriter.WriteAsync(result, target.ResultsRoot) };
    }

    private static async Task<long> UsedMemoryAsync(IServer server)
    {
        var info = await server.InfoAsync("memory");
        return long.Parse(info.SelectMany(g => g).First(kv => kv.Key == "used_memory").Value, CultureInfo.InvariantCulture);
    }

    private static Task LookUpEveryMemberAsync(IDatabase redis, string queueKey, string tag, long members, CancellationToken ct) =>
        RedisPipeline.RunAsync(redis, members, batchSize: 5_000, inFlight: 8, (batch, i) => batch.SortedSetScoreAsync(queueKey, QueueFill.Member(tag, i)), ct);

    private static async Task CleanUpAsync(IDatabase redis, IServer server, RedisKey[] keys, string save, bool keep)
    {
        if (!keep)
        {
            // DEL of millions of members would block Redis for seconds; UNLINK frees them in a background thread.
            foreach (var key in keys)
            {
                await redis.ExecuteAsync("UNLINK", key);
            }
        }
        await server.ConfigSetAsync("save", save);
    }
}
