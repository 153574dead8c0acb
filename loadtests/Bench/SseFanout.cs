using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using FlashSale.LoadTests.Campaign;
using FlashSale.LoadTests.Cli;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Report;
using FlashSale.LoadTests.Runner;
using static FlashSale.LoadTests.Report.Format;

namespace FlashSale.LoadTests.Bench;

public sealed record SseFanoutOptions
{
    /// <summary>Streams held open at once, each one shopper in the queue.</summary>
    public int Listeners { get; init; } = 1_000;

    /// <summary>How long the streams are held after the campaign starts.</summary>
    public int Seconds { get; init; } = 30;

    /// <summary>Admission rate: every second moves the cursor, so every stream should hear about it.</summary>
    public int Rate { get; init; } = 50;

    public int StartsInSeconds { get; init; } = 5;

    public int Edges { get; init; } = 1;

    public bool Http2 { get; init; }
}

/// <summary>
/// sse-fanout: N shoppers in the queue hold GET /api/campaigns/{id}/events open through the start; measures connect
/// time, time to the first event, events per second by type, and how far behind the first listener each listener hears
/// a broadcast (same event name and data), which is the fan-out cost. A broadcast first heard before a stream opened
/// reaches that stream as the snapshot it starts with, not as a late delivery, so it is timed apart (from the open).
/// One task per stream: each is a live connection.
/// </summary>
public static class SseFanout
{
    public const string Name = "sse-fanout";
    public const string Connect = "sse: connect (headers)";
    public const string FirstEvent = "sse: first event";
    public const string Behind = "sse: broadcast heard behind first listener";
    public const string Snapshot = "sse: snapshot after the stream opened (its broadcast predates the stream)";
    private static readonly HashSet<string> Broadcasts = ["state", "inventory", "cursor", "soldout"];

    public static async Task<RunResult> RunAsync(SseFanoutOptions o, Target target, CancellationToken ct)
    {
        using var start = await BenchStart.OpenAsync(target, "sf", o.Edges, 64, o.Http2, ct);
        var (metrics, startedAt, origin, http, minter) = (start.Metrics, start.StartedAt, start.Origin, start.Http, start.Minter);
        var setup = start.Setup;
        var campaignId = await setup.CreateCampaignAsync(stock: 1_000_000, o.Rate, o.StartsInSeconds + 5, durationSeconds: 3600, ct);
        await setup.JoinAsync(campaignId, o.Listeners, 64, ct);

        var streams = target.Edges.Take(o.Edges).Select(e => LoadHttp.Create(e, o.Listeners, o.Http2, Timeout.InfiniteTimeSpan)).ToList();
        var events = new ConcurrentDictionary<string, long>();
        var firstHeard = new ConcurrentDictionary<string, long>();
        long open = 0;
        var progress = new Progress(Name, _ => new ProgressStatus(
            $"streams open {Count(Interlocked.Read(ref open))}/{Count(o.Listeners)} | events {string.Join(", ", events.OrderBy(e => e.Key).Select(e => $"{e.Key} {Count(e.Value)}"))}", null));
        var sampler = new Sampler(metrics, progress);
        metrics.Add(Probe.Gauge("streams open", () => Interlocked.Read(ref open)));
        metrics.Add(Probe.Counter("events received /s", () => events.Values.Sum()));

        using var hold = CancellationTokenSource.CreateLinkedTokenSource(ct);
        hold.CancelAfter(TimeSpan.FromSeconds(o.StartsInSeconds + 5 + o.Seconds));
        // Memory per listener: the edges' working set before any stream opens against the highest reading while all
        // of them are open (sampled each second; the GC decides when the figure drops, so the peak is the honest bound).
        var edges = target.Edges.Take(o.Edges).ToList();
        using var scrape = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var memoryBefore = await EdgeMemorySample.ReadAsync(scrape, edges, ct);
        EdgeMemorySample? memoryPeak = null;
        var memoryWatch = Task.Run(async () =>
        {
            while (!hold.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
                if (Interlocked.Read(ref open) == o.Listeners && await EdgeMemorySample.ReadAsync(scrape, edges, CancellationToken.None) is { } now
                    && (memoryPeak is null || now.WorkingSet > memoryPeak.WorkingSet))
                {
                    memoryPeak = now;
                }
            }
        }, CancellationToken.None);
        var listeners = Enumerable.Range(0, o.Listeners).Select(i => Task.Run(async () =>
        {
            var started = Stopwatch.GetTimestamp();
            var counted = false;
            try
            {
                using var request = LoadHttp.Request(HttpMethod.Get, $"/api/campaigns/{campaignId}/events", minter.Mint(setup.UserId(i)));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                using var response = await streams[i % streams.Count].SendAsync(request, HttpCompletionOption.ResponseHeadersRead, hold.Token);
                if (!response.IsSuccessStatusCode)
                {
                    metrics.Step(Connect).Record(started, Outcome.Error((int)response.StatusCode, "no-stream"));
                    return;
                }
                metrics.Step(Connect).Record(started, Outcome.Ok((int)response.StatusCode));
                var openedAt = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref open);
                counted = true;
                await using var body = await response.Content.ReadAsStreamAsync(hold.Token);
                using var reader = new StreamReader(body);
                string? name = null;
                var data = new System.Text.StringBuilder();
                var first = true;
                while (await reader.ReadLineAsync(hold.Token) is { } line)
                {
                    if (line.StartsWith("event:", StringComparison.Ordinal))
                    {
                        name = line[6..].Trim();
                    }
                    else if (line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        data.Append(line.AsSpan(5).Trim());
                    }
                    else if (line.Length == 0 && (name is not null || data.Length > 0))
                    {
                        var now = Stopwatch.GetTimestamp();
                        var kind = name ?? "message";
                        events.AddOrUpdate(kind, 1, (_, n) => n + 1);
                        if (first)
                        {
                            metrics.Step(FirstEvent).Record(started, Outcome.Ok(200, kind));
                            first = false;
                        }
                        if (Broadcasts.Contains(kind))
                        {
                            var heardFirst = firstHeard.GetOrAdd(kind + "\n" + data, now);
                            if (heardFirst < openedAt)
                            {
                                metrics.Step(Snapshot).RecordMicros((long)Stopwatch.GetElapsedTime(openedAt, now).TotalMicroseconds, Outcome.Ok(200, kind));
                            }
                            else
                            {
                                metrics.Step(Behind).RecordMicros((long)Stopwatch.GetElapsedTime(heardFirst, now).TotalMicroseconds, Outcome.Ok(200, kind));
                            }
                        }
                        name = null;
                        data.Clear();
                    }
                }
            }
            catch (OperationCanceledException) when (hold.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                metrics.Step(Connect).Record(started, Outcome.Error(0, "stream-broken"));
            }
            finally
            {
                if (counted)
                {
                    Interlocked.Decrement(ref open);
                }
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(listeners);
        await memoryWatch;
        await sampler.DisposeAsync();
        foreach (var client in streams)
        {
            client.Dispose();
        }

        var steps = sampler.Summaries();
        var connected = steps.FirstOrDefault(s => s.Name == Connect)?.Ok ?? 0;
        var notes = new List<string>();
        if (connected == 0)
        {
            notes.Add($"No stream opened: GET /api/campaigns/{{id}}/events is not answered by this edge (see the connect step's outcomes). Nothing was measured.");
        }
        var memory = new List<Tally>();
        if (memoryBefore is { } b && memoryPeak is { } p)
        {
            memory.Add(new("edge working set: before the streams / highest with all open", $"{MachineInfo.Bytes(b.WorkingSet)} / {MachineInfo.Bytes(p.WorkingSet)}"));
            memory.Add(new("edge memory per listener (working-set growth ÷ listeners)", $"{(p.WorkingSet - b.WorkingSet) / 1024.0 / o.Listeners:0.0} KiB"));
            memory.Add(new("edge GC heap after its last collection: before / at that reading", $"{MachineInfo.Bytes(b.GcHeap)} / {MachineInfo.Bytes(p.GcHeap)}"));
        }
        else
        {
            notes.Add("The edges' memory could not be read from their /metrics while every stream was open, so no figure per listener is given.");
        }
        var result = new RunResult(Name, startedAt, Stopwatch.GetElapsedTime(origin),
            [
                new("campaign", campaignId), new("listeners", Count(o.Listeners)), new("seconds held after the start", Count(o.Seconds)),
                new("admission rate", $"{Count(o.Rate)}/s"), new("edges", string.Join(", ", http.Edges)),
            ],
            steps, [], [],
            [new("streams opened", Count(connected)), .. events.OrderBy(e => e.Key).Select(e => new Tally($"events '{e.Key}' received", Count(e.Value))), .. memory],
            notes, sampler.Series,
            [
                new("Streams open", "streams", ["streams open"]),
                new("Events received", "per second", ["events received /s"]),
                new("p99 latency", "ms", [SeriesNames.P99(Connect), SeriesNames.P99(Behind), SeriesNames.P99(Snapshot)]),
            ],
            MachineInfo.Capture());
        return result with { ReportFolder = await ReportWriter.WriteAsync(result, target.ResultsRoot) };
    }
}
