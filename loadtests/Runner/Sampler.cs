using System.Diagnostics;

namespace FlashSale.LoadTests.Runner;

/// <summary>
/// Once a second: harvests every step (rate, errors and p99 of that second), reads every probe, appends a row to the
/// time series and redraws the progress line. Runs until disposed; disposing takes a last sample.
/// </summary>
public sealed class Sampler : IAsyncDisposable
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(900);

    private readonly RunMetrics metrics;
    private readonly Progress? progress;
    private readonly long startedAt;
    private readonly CancellationTokenSource stop = new();
    private readonly Dictionary<string, double> lastCounters = [];
    private readonly Task loop;
    private readonly Lock gate = new();

    public Sampler(RunMetrics metrics, Progress? progress)
    {
        this.metrics = metrics;
        this.progress = progress;
        startedAt = Stopwatch.GetTimestamp();
        loop = Task.Run(RunAsync);
    }

    public TimeSeries Series { get; } = new();

    /// <summary>Every step's summary, with its peak rate taken from the per-second series.</summary>
    public List<StepSummary> Summaries() =>
        metrics.Steps.Select(s => s.Summarize() with { PeakPerSecond = Series.Max(SeriesNames.Rate(s.Name)), Cpu = metrics.CpuOf(s.Name) }).ToList();

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(startedAt);

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                await SampleAsync();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task SampleAsync()
    {
        var row = new Dictionary<string, double>();
        var errors = 0L;
        lock (gate)
        {
            foreach (var step in metrics.Steps)
            {
                var interval = step.Harvest();
                row[SeriesNames.Rate(step.Name)] = interval.Count;
                row[SeriesNames.P99(step.Name)] = interval.Count == 0 ? double.NaN : interval.P99 / 1000.0;
                errors += interval.Errors;
            }
        }
        row[SeriesNames.Errors] = errors;
        foreach (var probe in metrics.Probes)
        {
            var value = await ReadAsync(probe);
            if (probe.IsCounter)
            {
                var previous = lastCounters.GetValueOrDefault(probe.Name, 0);
                if (!double.IsNaN(value))
                {
                    lastCounters[probe.Name] = value;
                }
                value = double.IsNaN(value) ? double.NaN : value - previous;
            }
            row[probe.Name] = value;
        }
        var at = Math.Round(Elapsed.TotalSeconds, 1);
        Series.Add(at, row);
        progress?.Draw(Elapsed, row);
    }

    private static async Task<double> ReadAsync(Probe probe)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ProbeTimeout);
            return await probe.Read(timeout.Token).AsTask().WaitAsync(timeout.Token);
        }
        catch (Exception)
        {
            // A probe that fails for a second (the metrics endpoint under load) leaves a gap in its chart, not a crash.
            return double.NaN;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        await SampleAsync();
        progress?.Finish(Elapsed);
        stop.Dispose();
    }
}
