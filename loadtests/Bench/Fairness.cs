using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
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

public sealed record FairnessOptions
{
    /// <summary>Shoppers who join before the start, N at once.</summary>
    public int PreQueue { get; init; } = 10_000;

    /// <summary>Shoppers who join after the start, one after another, each sent once the previous one was answered.</summary>
    public int LiveJoins { get; init; } = 2_000;

    public int Concurrency { get; init; } = 256;

    /// <summary>|Spearman rho| allowed between pre-queue join order and queue rank.</summary>
    public double MaxRho { get; init; } = 0.05;

    /// <summary>Time for the pre-queue joins before the campaign starts.</summary>
    public int StartsInSeconds { get; init; } = 20;

    public int Edges { get; init; } = 1;

    public bool Http2 { get; init; }
}

/// <summary>
/// fairness: a pre-queue joined concurrently before the start, then post-start joiners one by one in a known order;
/// afterwards every member's rank (the order the cursor admits in) is read from Redis and compared with the join order:
/// the pre-queue must be uncorrelated (|Spearman rho| within the bound), the post-start joiners exact FIFO.
/// </summary>
public static class Fairness
{
    public const string Name = "fairness";
    public const string PreJoin = "join before the start (pre-queue)";
    public const string LiveJoin = "join after the start (sequential)";
    public const string AnsweredRanksIncrease = "Post-start join answers' ranks strictly increase with join order";

    public static async Task<RunResult> RunAsync(FairnessOptions o, Target target, CancellationToken ct)
    {
        using var start = await BenchStart.OpenAsync(target, "fa", o.Edges, o.Concurrency, o.Http2, ct);
        var (metrics, startedAt, origin, http, minter) = (start.Metrics, start.StartedAt, start.Origin, start.Http, start.Minter);
        var admin = start.Admin;
        var setup = start.Setup;
        await using var mux = await ConnectionMultiplexer.ConnectAsync(target.Redis);
        var redis = mux.GetDatabase();
        // A slow cursor: nobody leaves the queue, so ranks stay what the joins made them whatever it admits.
        var campaignId = await setup.CreateCampaignAsync(stock: 1_000, rate: 10, o.StartsInSeconds, durationSeconds: 3600, ct);
        var startsAt = DateTimeOffset.FromUnixTimeMilliseconds((long)await redis.HashGetAsync(RedisKeys.Admission(campaignId), "startMs"));

        // Event numbers: one counter for every send and every answer, so "answered before the next was sent" is a comparison.
        var events = 0;
        var joins = new ConcurrentDictionary<string, JoinRecord>(StringComparer.Ordinal);
        var statuses = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var progress = new Progress(Name, _ => new ProgressStatus($"joins answered {Count(joins.Count(j => j.Value.Answered > 0))}", null));
        var sampler = new Sampler(metrics, progress);

        async Task<QueueReply?> JoinAsync(string step, long i, CancellationToken token)
        {
            var user = setup.UserId(i);
            var sent = Interlocked.Increment(ref events);
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(i), LoadHttp.Request(HttpMethod.Post, $"/api/campaigns/{campaignId}/queue", minter.Mint(user)), true, token);
            var answered = reply.Status == 202 ? Interlocked.Increment(ref events) : 0;
            metrics.Step(step).Record(started, reply.ToOutcome());
            var body = reply.Body is { } b ? JsonSerializer.Deserialize(b, LoadJson.Default.QueueReply) : null;
            joins[QueueMember.Of(user)] = new JoinRecord(sent, answered);
            statuses.AddOrUpdate($"{step}: {body?.Status ?? reply.Status.ToString(CultureInfo.InvariantCulture)}", 1, (_, n) => n + 1);
            return body;
        }

        Console.Error.WriteLine($"[{Name}] {Count(o.PreQueue)} shoppers join the pre-queue ({Count(o.Concurrency)} at once); the campaign starts at {startsAt:HH:mm:ss}");
        await Parallel.ForEachAsync(Enumerable.Range(0, o.PreQueue), new ParallelOptions { MaxDegreeOfParallelism = o.Concurrency, CancellationToken = ct },
            async (i, token) => await JoinAsync(PreJoin, i, token));
        var untilStart = startsAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500);
        if (untilStart > TimeSpan.Zero)
        {
            await Task.Delay(untilStart, ct);
        }

        Console.Error.WriteLine($"[{Name}] live: {Count(o.LiveJoins)} shoppers join one after another");
        var answeredRanks = new List<long>(o.LiveJoins);
        for (var k = 0; k < o.LiveJoins; k++)
        {
            if (await JoinAsync(LiveJoin, o.PreQueue + k, ct) is { Rank: { } rank })
            {
                answeredRanks.Add(rank);
            }
        }
        await sampler.DisposeAsync();

        var checks = new List<CheckResult>(await QueueOrderChecks.RunAsync(redis, RedisKeys.Queue(campaignId),
            member => joins.TryGetValue(member, out var j) ? j : null, ct, o.MaxRho));
        var decreases = answeredRanks.Zip(answeredRanks.Skip(1), (a, b) => b <= a).Count(d => d);
        checks.Add(answeredRanks.Count < 2
            ? new CheckResult(AnsweredRanksIncrease, CheckStatus.Skip, $"{Count(answeredRanks.Count)} post-start joins answered with a rank")
            : CheckResult.Of(AnsweredRanksIncrease, decreases == 0 && answeredRanks.Count == o.LiveJoins,
                $"{Count(answeredRanks.Count)} of {Count(o.LiveJoins)} answered with a rank, from {Count(answeredRanks[0])} to {Count(answeredRanks[^1])}; not above the previous: {Count(decreases)}"));
        await admin.CancelAsync(campaignId, ct);

        var result = new RunResult(Name, startedAt, Stopwatch.GetElapsedTime(origin),
            [
                new("campaign", campaignId), new("pre-queue joins", $"{Count(o.PreQueue)}, {Count(o.Concurrency)} at once"),
                new("post-start joins", $"{Count(o.LiveJoins)}, one at a time"), new("pre-queue |rho| bound", o.MaxRho.ToString("0.###", CultureInfo.InvariantCulture)),
                new("edges", string.Join(", ", http.Edges)), new("HTTP", o.Http2 ? "HTTP/2 (prior knowledge)" : "HTTP/1.1 keep-alive"),
            ],
            sampler.Summaries(),
            checks, [],
            [.. statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new Tally($"answers {s.Key}", Count(s.Value)))],
            [
                "Admission order is the queue rank (the cursor admits ranks below it), read for every member with ZRANGE … WITHSCORES after the joins.",
                $"Pre-queue join order is the order the 202s were answered in; the bound {o.MaxRho:0.###} is {o.MaxRho * Math.Sqrt(Math.Max(1, o.PreQueue - 1)):0.#} standard deviations of rho for a random order of {Count(o.PreQueue)}.",
                "Post-start joins are sent one at a time, each after the previous one was answered, so exact FIFO means ranks strictly increase in join order.",
            ],
            sampler.Series,
            [
                new("Throughput", "per second", [SeriesNames.Rate(PreJoin), SeriesNames.Rate(LiveJoin)]),
                new("p99 latency", "ms", [SeriesNames.P99(PreJoin), SeriesNames.P99(LiveJoin)]),
            ],
            MachineInfo.Capture());
        return result with { ReportFolder = await ReportWriter.WriteAsync(result, target.ResultsRoot) };
    }
}
