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

public sealed record AdmissionAccuracyOptions
{
    /// <summary>How long the cursor is watched after the start.</summary>
    public int Seconds { get; init; } = 60;

    public int Rate { get; init; } = 500;

    /// <summary>The live rate change: to this rate at <see cref="ChangeAt"/> seconds.</summary>
    public int RateTo { get; init; } = 800;

    public double ChangeAt { get; init; } = 20;

    public double PauseAt { get; init; } = 40;

    public double ResumeAt { get; init; } = 45;

    /// <summary>Shoppers who join through the edge and poll for their token (the rest of the queue is filled in Redis).</summary>
    public int Sample { get; init; } = 500;

    public int StartsInSeconds { get; init; } = 15;

    /// <summary>The edge's admission tick (WaitingRoom:TickMilliseconds): the unit "one tick" is measured in.</summary>
    public int TickMilliseconds { get; init; } = 100;

    public int Edges { get; init; } = 1;

    public bool Http2 { get; init; }
}

/// <summary>
/// admission-accuracy: a live campaign whose queue never runs dry; the marketer changes the rate, pauses and resumes;
/// the cursor (<c>served</c> in the campaign's admission hash) is read every 100 ms and compared with the integral of
/// the rate schedule as Admin applied it. A sample of real shoppers polls for tokens, to check no token came early.
/// </summary>
public static class AdmissionAccuracy
{
    public const string Name = "admission-accuracy";
    public const string CursorRead = "cursor read (Redis HMGET served)";
    public const string Put = "admin: PUT admission";
    public const string Poll = "sample shopper: GET queue";
    public const string WithinOneTick = "Admitted within one tick of the rate integral";
    public const string NoOvershoot = "No overshoot (admitted > integral + 1 tick)";
    public const string NoEarlyToken = "No sampled shopper got a token before the integral reached their rank";
    public const string NeverDry = "The queue never ran dry (the cursor was never capped)";

    public static async Task<RunResult> RunAsync(AdmissionAccuracyOptions o, Target target, CancellationToken ct)
    {
        using var start = await BenchStart.OpenAsync(target, "aa", o.Edges, 64, o.Http2, ct);
        var (metrics, startedAt, origin, http, tag, minter) = (start.Metrics, start.StartedAt, start.Origin, start.Http, start.Tag, start.Minter);
        var tick = o.TickMilliseconds / 1000.0;
        var admin = start.Admin;
        var setup = start.Setup;
        await using var mux = await ConnectionMultiplexer.ConnectAsync(target.Redis);
        var redis = mux.GetDatabase();

        // The plan only sizes the queue: enough for the whole run plus a margin, so the cursor is never capped by it.
        var plan = Plan(o);
        var filler = (int)(plan.Integral(o.Seconds + 5) * 1.2) + 1_000;
        var campaignId = await setup.CreateCampaignAsync(stock: 1_000_000, o.Rate, o.StartsInSeconds, durationSeconds: o.Seconds + 120, ct);
        var admissionKey = RedisKeys.Admission(campaignId);
        var queueKey = RedisKeys.Queue(campaignId);
        var startMs = (long)await redis.HashGetAsync(admissionKey, "startMs");
        var startsAt = DateTimeOffset.FromUnixTimeMilliseconds(startMs);
        double Now() => (DateTimeOffset.UtcNow - startsAt).TotalSeconds;
        Console.Error.WriteLine($"[{Name}] setup: {Count(filler)} queue members written to Redis, {Count(o.Sample)} shoppers joining through the edge");
        await QueueFill.PreQueueAsync(redis, campaignId, tag, filler, ct);
        var joined = await setup.JoinAsync(campaignId, o.Sample, 64, ct);
        var queueLength = await redis.SortedSetLengthAsync(queueKey);
        if (Now() > -0.5)
        {
            throw new InvalidOperationException($"Setup took longer than --starts-in {o.StartsInSeconds} s; give it more.");
        }

        var samples = new List<CursorSample>();
        var changes = new List<(double Sent, double Answered, AdmissionUpdate Update)>();
        var tokens = new ConcurrentDictionary<int, (long Rank, double At)>();
        double lastAdmitted = 0, lastIntegral = 0;
        var liveSchedule = Plan(o, applied: false);
        var progress = new Progress(Name, _ => new ProgressStatus(
            $"t {N(Now())} s | admitted {Count((long)Volatile.Read(ref lastAdmitted))} | integral {N(Volatile.Read(ref lastIntegral))} | sample tokens {Count(tokens.Count)}",
            Math.Clamp(Now() / o.Seconds, 0, 1)));
        var sampler = new Sampler(metrics, progress);
        metrics.Add(Probe.Gauge("admitted", () => Volatile.Read(ref lastAdmitted)));
        metrics.Add(Probe.Gauge("rate integral", () => Volatile.Read(ref lastIntegral)));
        metrics.Add(Probe.Gauge("admitted − integral", () => Volatile.Read(ref lastAdmitted) - Volatile.Read(ref lastIntegral)));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            while (Now() < o.Seconds && await timer.WaitForNextTickAsync(stop.Token))
            {
                var sent = Stopwatch.GetTimestamp();
                var before = Now();
                var values = await redis.HashGetAsync(admissionKey, ["served", "lastMs"]);
                var at = (before + Now()) / 2;
                metrics.Step(CursorRead).Record(sent, Outcome.Ok(0, "read"));
                if (at < 0 || values[0].IsNull)
                {
                    continue;
                }
                var served = double.Parse((string)values[0]!, CultureInfo.InvariantCulture);
                var tickedAt = values[1].IsNull ? double.NaN : ((double)values[1] - startMs) / 1000;
                lock (samples)
                {
                    samples.Add(new CursorSample(at, served, tickedAt));
                    Volatile.Write(ref lastAdmitted, Math.Floor(served));
                    Volatile.Write(ref lastIntegral, liveSchedule.Integral(at));
                }
            }
        }, CancellationToken.None);
        var marketer = Task.Run(async () =>
        {
            foreach (var (at, update) in new[]
            {
                (o.ChangeAt, new AdmissionUpdate(o.RateTo, false)),
                (o.PauseAt, new AdmissionUpdate(o.RateTo, true)),
                (o.ResumeAt, new AdmissionUpdate(o.RateTo, false)),
            }.Where(c => c.Item1 < o.Seconds))
            {
                var wait = at - Now();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait), stop.Token);
                }
                var sent = Stopwatch.GetTimestamp();
                var sentAt = Now();
                await admin.UpdateAdmissionAsync(campaignId, update, stop.Token);
                var answeredAt = Now();
                metrics.Step(Put).Record(sent, Outcome.Ok(200));
                lock (samples)
                {
                    changes.Add((sentAt, answeredAt, update));
                    liveSchedule.Apply(answeredAt, update.RatePerSecond, update.Paused);
                }
            }
        }, CancellationToken.None);
        var pollers = Task.Run(() => PollSampleAsync(http, minter, setup, campaignId, joined > 0 ? o.Sample : 0, tokens, Now, o.Seconds, metrics, stop.Token), CancellationToken.None);
        await Task.WhenAll(reader, marketer, pollers);
        await sampler.DisposeAsync();

        var finalServed = double.Parse((string?)await redis.HashGetAsync(admissionKey, "served") ?? "0", CultureInfo.InvariantCulture);
        var endAt = Now();
        var sampleRanks = await SampleRanksAsync(redis, queueKey, setup, o.Sample);
        await admin.CancelAsync(campaignId, ct);

        var schedule = new RateSchedule(o.Rate);
        foreach (var change in changes)
        {
            schedule.Apply(change.Answered, change.Update.RatePerSecond, change.Update.Paused);
        }
        var deviation = AdmissionDeviation.Analyse(schedule, samples, tick);
        var early = tokens.Values.Count(t => t.Rank > schedule.Integral(t.At) + schedule.TickUnits(t.At, tick));
        var maxServed = samples.Count == 0 ? 0 : samples.Max(s => s.Served);
        var belowCursor = sampleRanks.Count(r => r >= 0 && r < Math.Floor(finalServed));
        var gaps = samples.Zip(samples.Skip(1), (a, b) => b.AtSeconds - a.AtSeconds).Order().ToList();

        var checks = new List<CheckResult>
        {
            CheckResult.Of(WithinOneTick, deviation.MaxAbsTicks <= 1,
                $"max |admitted − integral| = {deviation.MaxAbsUnits:0.#} units = {deviation.MaxAbsTicks:0.00} ticks (at t = {deviation.WorstAtSeconds:0.0} s) over {Count(deviation.Samples)} samples"),
            CheckResult.Of(NoOvershoot, deviation.Overshoots == 0,
                $"{Count(deviation.Overshoots)} samples more than one tick ahead; most ahead {deviation.MaxOverUnits:0.#} units"),
            tokens.IsEmpty
                ? new CheckResult(NoEarlyToken, CheckStatus.Skip, "no sampled shopper got a token")
                : CheckResult.Of(NoEarlyToken, early == 0, $"{Count(early)} of {Count(tokens.Count)} tokens handed out to the sample came before integral + 1 tick reached the rank"),
            CheckResult.Of(NeverDry, maxServed < queueLength, $"cursor at most {maxServed:0.#}, queue {Count(queueLength)} members"),
        };
        List<Tally> tallies =
        [
            new("max |admitted − integral| (units)", deviation.MaxAbsUnits.ToString("0.#", CultureInfo.InvariantCulture)),
            new("max |admitted − integral| (ticks of rate × 0.1 s)", deviation.MaxAbsTicks.ToString("0.00", CultureInfo.InvariantCulture)),
            new("worst sample at", $"t = {deviation.WorstAtSeconds:0.0} s"),
            new("most ahead of the integral (units; negative = never ahead)", deviation.MaxOverUnits.ToString("0.#", CultureInfo.InvariantCulture)),
            new("overshoot samples (> integral + 1 tick)", Count(deviation.Overshoots)),
            new("max |served − integral at the cursor's own tick| (units, tick lag removed)", deviation.MaxAbsUnitsAtTick.ToString("0.##", CultureInfo.InvariantCulture)),
            new("cursor samples / gap p50 / gap max", $"{Count(deviation.Samples)} / {Ms(Quantile(gaps, 0.5) * 1e6)} ms / {Ms(gaps.LastOrDefault() * 1e6)} ms"),
            new("admitted at the end / integral at the end", $"{Count((long)Math.Floor(finalServed))} / {N(schedule.Integral(endAt))}"),
            .. changes.Select((c, i) => new Tally($"PUT {i + 1}: {(c.Update.Paused ? "pause" : $"rate {c.Update.RatePerSecond}/s")}", $"sent t = {c.Sent:0.000} s, answered t = {c.Answered:0.000} s ({(c.Answered - c.Sent) * 1000:0} ms)")),
            new("admission tokens handed out to the sample", $"{Count(tokens.Count)} of {Count(joined)} sampled shoppers; {Count(belowCursor)} of them were below the final cursor"),
        ];
        var result = new RunResult(Name, startedAt, Stopwatch.GetElapsedTime(origin),
            [
                new("campaign", campaignId), new("seconds", Count(o.Seconds)),
                new("schedule (planned)", $"{o.Rate}/s from 0 s, {o.RateTo}/s at {o.ChangeAt:0.#} s, paused {o.PauseAt:0.#}–{o.ResumeAt:0.#} s"),
                new("queue", $"{Count(queueLength)} members ({Count(filler)} written to Redis as pre-queue draws, {Count(joined)} joined through the edge)"),
                new("edge tick", $"{o.TickMilliseconds} ms"), new("edges", string.Join(", ", http.Edges)),
            ],
            sampler.Summaries(),
            checks, [], tallies,
            [
                "The integral uses the instant Admin answered each PUT; Admin settles the cursor at the old rate and applies the new one before it answers, so a PUT's latency is the uncertainty of its switch instant (listed above).",
                "Admitted is floor(served): a rank is admitted when it is below the cursor. Samples are read straight from Redis every 100 ms and timed at the midpoint of the read.",
                "One tick = the highest configured rate in force during the last tick × the tick length; during the pause the configured rate is kept, so a deviation there still has a size in ticks.",
                $"The queue was filled directly in Redis ({Count(filler)} pre-queue joins written by the join script itself) so that it never runs dry; the sample joined through the edge and polled GET queue about once a second until it held a token.",
                "The machine is shared: a late timer or a GC pause on either side shows up as lag, in whole ticks.",
            ],
            sampler.Series,
            [
                new("Admitted and the rate integral", "units", ["admitted", "rate integral"]),
                new("Admitted − integral", "units", ["admitted − integral"]),
                new("p99 latency", "ms", [SeriesNames.P99(CursorRead), SeriesNames.P99(Poll)]),
            ],
            MachineInfo.Capture());
        return result with { ReportFolder = await ReportWriter.WriteAsync(result, target.ResultsRoot) };
    }

    /// <summary>The schedule the options describe, at the planned instants (for sizing), or only its start (to be filled as applied).</summary>
    private static RateSchedule Plan(AdmissionAccuracyOptions o, bool applied = true)
    {
        var plan = new RateSchedule(o.Rate);
        if (applied)
        {
            plan.Apply(o.ChangeAt, o.RateTo, false);
            plan.Apply(o.PauseAt, o.RateTo, true);
            plan.Apply(o.ResumeAt, o.RateTo, false);
        }
        return plan;
    }

    // Each unadmitted sampled shopper polls about once a second (a tenth of them every 100 ms) until it holds a token.
    private static async Task PollSampleAsync(LoadHttp http, SessionMinter minter, BenchSetup setup, string campaignId, int sample,
        ConcurrentDictionary<int, (long Rank, double At)> tokens, Func<double> now, int seconds, RunMetrics metrics, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        for (var round = 0; now() < seconds && await timer.WaitForNextTickAsync(ct); round++)
        {
            if (now() < 0)
            {
                continue;
            }
            var due = Enumerable.Range(0, sample).Where(i => i % 10 == round % 10 && !tokens.ContainsKey(i));
            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, token) =>
            {
                var started = Stopwatch.GetTimestamp();
                var reply = await LoadHttp.SendAsync(http.For(i), LoadHttp.Request(HttpMethod.Get, $"/api/campaigns/{campaignId}/queue", minter.Mint(setup.UserId(i))), true, token);
                var at = now();
                metrics.Step(Poll).Record(started, reply.ToOutcome());
                if (reply.Status == 200 && reply.Body is { } body && JsonSerializer.Deserialize(body, LoadJson.Default.QueueReply) is { AdmissionToken: not null, Rank: { } rank })
                {
                    tokens.TryAdd(i, (rank, at));
                }
            });
        }
    }

    private static async Task<long[]> SampleRanksAsync(IDatabase redis, string queueKey, BenchSetup setup, int sample)
    {
        var ranks = await Task.WhenAll(Enumerable.Range(0, sample).Select(i => redis.SortedSetRankAsync(queueKey, setup.UserId(i))));
        return [.. ranks.Select(r => r ?? -1)];
    }

    private static double Quantile(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, q * sorted.Count)];
}
