using System.Diagnostics;
using System.Security.Cryptography;
using FlashSale.LoadTests.Checks;
using FlashSale.LoadTests.Cli;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Report;
using FlashSale.LoadTests.Runner;
using static FlashSale.LoadTests.Report.Format;

namespace FlashSale.LoadTests.Campaign;

/// <summary>
/// A whole campaign as it happens: a marketer creates it, shoppers arrive on the curve, join, wait, claim when
/// admitted, a share redeem at checkout, bots hammer; then every correctness check runs against PostgreSQL and Redis.
/// Callable as a library (the CI test runs it in-process) and from the command line.
/// </summary>
public static class CampaignScenario
{
    public const string Name = "campaign";

    public static async Task<RunResult> RunAsync(CampaignOptions options, Target target, CancellationToken ct)
    {
        if (options.Validate().ToList() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }
        if (options.Edges > target.Edges.Count)
        {
            throw new ArgumentException($"--edges {options.Edges}, but only {target.Edges.Count} edge URL(s) are known (FLASHSALE_EDGES).");
        }
        var metrics = new RunMetrics();
        using var http = new LoadHttp([.. target.Edges.Take(options.Edges)], options.Connections, options.Http2, options.RequestTimeout);
        await Preflight.EdgesHealthyAsync(http, ct);
        var minter = new SessionMinter(target.Session, TimeSpan.FromHours(3));
        var arrivals = ArrivalCurve.Generate(options);
        var book = new ShopperBook(options.Shoppers, "lt" + RandomNumberGenerator.GetHexString(6, lowercase: true));
        AssignRoles(book, options);

        var admin = new AdminClient(http.For(0), target.AdminKey);
        var startedAt = DateTimeOffset.UtcNow;
        var origin = Stopwatch.GetTimestamp();
        var campaignId = await admin.CreateCampaignAsync(new CreateCampaign(
            $"Load test {book.Tag}: {Count(options.Shoppers)} shoppers", startedAt.AddSeconds(options.StartsInSeconds), options.DurationSeconds,
            options.Stock, new CouponSpec("percent", 20), new AdmissionSpec(options.Rate, 120, options.PositionExpirySeconds)), ct);

        var scheduler = new ShopperScheduler(arrivals, options.Connections * 2, origin);
        var context = new CampaignContext
        {
            Options = options, CampaignId = campaignId, CheckoutKey = target.CheckoutKey, Book = book, Scheduler = scheduler,
            Http = http, Minter = minter, Metrics = metrics,
        };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(options.StartsInSeconds + options.DurationSeconds + options.GraceSeconds));
        using var sse = options.Wait == WaitMode.Sse ? new SseWaiter(context, deadline.Token) : null;
        var actions = new ShopperActions(context, new BotActions(context), sse);
        var dashboard = new CampaignDashboard(admin, campaignId);
        metrics.Add(Probe.Counter("arrivals (curve) /s", () => scheduler.ScheduledArrivals(scheduler.NowMs)));
        metrics.Add(Probe.Counter("arrivals (sent) /s", () => scheduler.ArrivedCount));
        metrics.Add(Probe.Counter("coupons won /s", () => book.Codes.Count));
        metrics.Add(Probe.Gauge("requests in flight", () => actions.InFlight));
        foreach (var probe in dashboard.Probes())
        {
            metrics.Add(probe);
        }

        var progress = options.ShowProgress ? new Progress(Name, row => Status(row, options, book, scheduler, actions, dashboard)) : null;
        var sampler = new Sampler(metrics, progress);
        var loop = scheduler.RunAsync(() => book.Done >= book.Count, deadline.Token);
        var workers = Enumerable.Range(0, options.Connections).Select(_ => Task.Run(() => WorkAsync(scheduler, actions, deadline.Token), CancellationToken.None)).ToArray();
        await loop;
        await Task.WhenAll(workers);
        if (sse is not null)
        {
            await sse.DrainAsync();
        }
        ct.ThrowIfCancellationRequested();
        var hitDeadline = deadline.IsCancellationRequested;
        for (var i = 0; i < book.Count; i++)
        {
            if (book.Shoppers[i].Step != ShopperStep.Done)
            {
                book.Finish(i, ShopperEnd.Unfinished);
            }
        }
        await sampler.DisposeAsync();
        var duration = Stopwatch.GetElapsedTime(origin);

        var checks = await CorrectnessChecks.RunAsync(
            new CheckInput(campaignId, [.. book.Coupons], [.. book.Redemptions], member => JoinOf(book, member)),
            target.Postgres, target.Redis, ct);

        var steps = sampler.Summaries();
        var result = new RunResult(
            Name, startedAt, duration,
            Parameters(options, target, campaignId, book.Tag),
            steps, checks, [],
            Tallies(book, scheduler, sse, dashboard.Last),
            Notes(options, target, hitDeadline, sse, book),
            sampler.Series, Charts, MachineInfo.Capture());
        return options.WriteReport ? result with { ReportFolder = await ReportWriter.WriteAsync(result, target.ResultsRoot) } : result;
    }

    private static async Task WorkAsync(ShopperScheduler scheduler, ShopperActions actions, CancellationToken ct)
    {
        try
        {
            var reader = scheduler.Work;
            while (await reader.WaitToReadAsync(ct))
            {
                while (reader.TryRead(out var shopper))
                {
                    await actions.RunAsync(shopper, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static void AssignRoles(ShopperBook book, CampaignOptions o)
    {
        var random = new Random(o.Seed ^ 0x5eed);
        for (var i = 0; i < book.Count; i++)
        {
            ref var s = ref book.Shoppers[i];
            if (random.NextDouble() < o.BotShare)
            {
                s.Flags = ShopperFlags.Bot;
                s.Step = ShopperStep.Bot;
                continue;
            }
            s.Step = ShopperStep.Join;
            if (random.NextDouble() < o.RedeemShare)
            {
                s.Flags |= ShopperFlags.Redeemer;
                if (random.NextDouble() < o.DoubleRedeemShare)
                {
                    s.Flags |= ShopperFlags.DoubleRedeemer;
                }
            }
        }
    }

    private static JoinRecord? JoinOf(ShopperBook book, string member)
    {
        if (!book.TryFindMember(member, out var i))
        {
            return null;
        }
        var s = book.Shoppers[i];
        return new JoinRecord(s.JoinSent, s.JoinAnswered);
    }

    private static ProgressStatus Status(
        IReadOnlyDictionary<string, double> row, CampaignOptions o, ShopperBook book, ShopperScheduler scheduler, ShopperActions actions, CampaignDashboard dashboard)
    {
        double Rate(string step) => row.TryGetValue(SeriesNames.Rate(step), out var v) ? v : 0;
        var m = dashboard.Last;
        var text = $"arrived {Count(scheduler.ArrivedCount)}/{Count(book.Count)} | queue {(m is null ? "?" : Count(m.QueueLength))} | admitted {Count(book.Admitted)}"
            + $" | won {Count(book.Codes.Count)} | done {Count(book.Done)} | join {N(Rate(CampaignSteps.Join))}/s poll {N(Rate(CampaignSteps.Poll))}/s"
            + $" claim {N(Rate(CampaignSteps.Claim))}/s | in flight {actions.InFlight} | errors {N(row.GetValueOrDefault(SeriesNames.Errors))}/s";
        // The run lasts until the last arrival and until the stock (or the queue, if smaller) has been admitted at the
        // rate, plus one long poll for the last waiters to hear it is sold out.
        var now = scheduler.NowMs;
        var arrivalsLeft = Math.Max(0, scheduler.LastArrivalMs - now) / 1000.0;
        var toAdmit = m is null ? o.Stock : Math.Max(0, Math.Min(m.QueueLength, o.Stock) - m.Claimed);
        var sellingLeft = Math.Max(0, o.StartsInSeconds - now / 1000.0) + toAdmit / (double)o.Rate + (toAdmit > 0 ? o.PollMaxSeconds : 0);
        return new ProgressStatus(text, null, TimeSpan.FromSeconds(Math.Max(arrivalsLeft, sellingLeft)));
    }

    private static readonly IReadOnlyList<ChartSpec> Charts =
    [
        new("Arrivals, joins and polls", "per second", ["arrivals (curve) /s", "arrivals (sent) /s", SeriesNames.Rate(CampaignSteps.Join), SeriesNames.Rate(CampaignSteps.Poll)]),
        new("Queue length", "shoppers", ["queue length"]),
        new("Admitted (admission cursor)", "shoppers", ["admitted (cursor)"]),
        new("Claims", "per second", ["coupons won /s", SeriesNames.Rate(CampaignSteps.Claim), SeriesNames.Rate(CampaignSteps.Redeem)]),
        new("Remaining stock", "coupons", ["remaining stock"]),
        new("p99 latency", "ms", [.. new[] { CampaignSteps.Join, CampaignSteps.Poll, CampaignSteps.Claim, CampaignSteps.Redeem }.Select(SeriesNames.P99)]),
        new("Errors and requests in flight", "count", [SeriesNames.Errors, "requests in flight"]),
    ];

    private static List<KeyValuePair<string, string>> Parameters(CampaignOptions o, Target target, string campaignId, string tag) =>
    [
        new("campaign", campaignId),
        new("user id prefix", tag),
        new("shoppers", Count(o.Shoppers)),
        new("stock", Count(o.Stock)),
        new("admission rate", $"{Count(o.Rate)}/s"),
        new("duration", $"{o.DurationSeconds} s"),
        new("starts in", $"{o.StartsInSeconds} s"),
        new("bots", $"{o.BotShare:P1}"),
        new("redeem share", $"{o.RedeemShare:P0} (of which {o.DoubleRedeemShare:P0} try a second order)"),
        new("wait", o.Wait == WaitMode.Sse ? $"sse (up to {Count(o.SseStreams)} streams)" : "poll"),
        new("arrival curve", $"{o.EarlyShare:P0} early, {o.BurstShare:P0} in a ±{o.BurstSeconds} s burst at the start, the rest a tail (mean {o.TailSeconds} s)"),
        new("polling", $"first poll spread over {o.FirstPollSpreadSeconds} s after the start; then ETA/2 within {o.PollMinSeconds}–{o.PollMaxSeconds} s, ±20%"),
        new("connections (worker loops)", Count(o.Connections)),
        new("edges", string.Join(", ", target.Edges.Take(o.Edges))),
        new("ClaimApi instances behind the edge", target.ClaimInstancesRunning is { } running ? Count(running) : $"{Count(o.ClaimInstances)} (as given; not counted)"),
        new("HTTP", o.Http2 ? "HTTP/2 (prior knowledge)" : "HTTP/1.1 keep-alive"),
        new("seed", o.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    private static List<Tally> Tallies(ShopperBook book, ShopperScheduler scheduler, SseWaiter? sse, CampaignMetrics? last)
    {
        var lag = scheduler.ArrivalLag.Summarize();
        var bots = book.Ended(ShopperEnd.Bot);
        var tallies = new List<Tally>
        {
            new("people simulated (shoppers + bots)", $"{Count(book.Count - bots)} + {Count(bots)}"),
            new("arrivals sent", Count(scheduler.ArrivedCount)),
            new("joined the queue", Count(book.Shoppers.Count(s => (s.Flags & ShopperFlags.InQueue) != 0))),
            new("admitted (got an admission token)", Count(book.Admitted)),
            new("coupons answered 201 / 200", $"{Count(book.Coupons.Count(c => c.Status == 201))} / {Count(book.Coupons.Count(c => c.Status == 200))}"),
            new("redemptions answered 200", Count(book.Redemptions.Count)),
            new("visits ended: won", Count(book.Ended(ShopperEnd.Won))),
            new("visits ended: sold out", Count(book.Ended(ShopperEnd.SoldOut))),
            new("visits ended: campaign over", Count(book.Ended(ShopperEnd.Ended))),
            new("visits ended: error (gave up)", Count(book.Ended(ShopperEnd.Error))),
            new("visits unfinished at the deadline", Count(book.Ended(ShopperEnd.Unfinished))),
            new("arrival lag p50 / p99 / max (generator behind the curve)", $"{Ms(lag.P50)} / {Ms(lag.P99)} / {Ms(lag.Max)} ms"),
        };
        if (last is not null)
        {
            tallies.Add(new("last metrics: queue length / cursor / claimed / redeemed", $"{Count(last.QueueLength)} / {Count(last.Served)} / {Count(last.Claimed)} / {Count(last.Redeemed)}"));
        }
        if (sse is not null)
        {
            tallies.Add(new("SSE streams opened", Count(sse.Opened)));
        }
        return tallies;
    }

    private static List<string> Notes(CampaignOptions o, Target target, bool hitDeadline, SseWaiter? sse, ShopperBook book)
    {
        var notes = new List<string>
        {
            $"Shopper sessions are minted by the load generator with the edge's session key (HS256, kid {target.Session.Kid}, issuer flashsale-identity), as the identity provider would; no session endpoint is called.",
            "Admission order is the Redis queue rank: the cursor admits whoever ranks below it. Join order is the order of the clients' join answers (client-side event numbers).",
            $"Per-shopper state is a {System.Runtime.CompilerServices.Unsafe.SizeOf<Shopper>()}-byte struct plus a 4-byte arrival time; the scheduler's queue of waiting shoppers adds 8 bytes each while they wait.",
        };
        if (hitDeadline)
        {
            notes.Add($"The run hit its deadline (start + duration + {o.GraceSeconds} s); {Count(book.Ended(ShopperEnd.Unfinished))} shoppers had not finished.");
        }
        if (sse?.DisabledBecause is { } why)
        {
            notes.Add($"SSE was switched off during the run ({why}); shoppers polled instead.");
        }
        return notes;
    }
}
