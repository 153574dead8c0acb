using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using HdrHistogram;

namespace FlashSale.LoadTests.Runner;

/// <summary>One second of one step: how many requests ended in it and their latency percentiles, in microseconds.</summary>
public readonly record struct StepInterval(long Count, long Errors, long P50, long P99, long Max);

/// <summary>
/// Latencies (microseconds, HdrHistogram) and outcome counts of one named step. Any thread records; one thread (the
/// sampler) harvests once a second, which moves the interval into the step's total without stopping the writers.
/// </summary>
public sealed class StepStats(string name)
{
    /// <summary>Ten minutes: anything slower is recorded as ten minutes rather than lost.</summary>
    public const long HighestMicros = 600_000_000;

    private readonly Recorder recorder = HistogramFactory.With64BitBucketSize()
        .WithValuesFrom(1).WithValuesUpTo(HighestMicros).WithPrecisionOf(3)
        .WithThreadSafeWrites().WithThreadSafeReads().Create();

    private readonly LongHistogram total = new(1, HighestMicros, 3);
    private readonly ConcurrentDictionary<(OutcomeKind Kind, int Status, string Type), StrongBox<long>> outcomes = new();
    private readonly Lock harvestGate = new();
    private HistogramBase? interval;
    private long ok;
    private long refused;
    private long errors;
    private long lastErrors;
    private long firstAt;
    private long lastAt;

    public string Name { get; } = name;

    public long OkCount => Volatile.Read(ref ok);

    public long RefusedCount => Volatile.Read(ref refused);

    public long ErrorCount => Volatile.Read(ref errors);

    public long Count => OkCount + RefusedCount + ErrorCount;

    /// <summary>Records a request that started at <paramref name="startedTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) and ends now.</summary>
    public void Record(long startedTimestamp, Outcome outcome)
    {
        var now = Stopwatch.GetTimestamp();
        RecordMicros((long)Stopwatch.GetElapsedTime(startedTimestamp, now).TotalMicroseconds, outcome, now);
    }

    public void RecordMicros(long micros, Outcome outcome) => RecordMicros(micros, outcome, Stopwatch.GetTimestamp());

    private void RecordMicros(long micros, Outcome outcome, long now)
    {
        recorder.RecordValue(Math.Clamp(micros, 1, HighestMicros));
        switch (outcome.Kind)
        {
            case OutcomeKind.Ok:
                Interlocked.Increment(ref ok);
                break;
            case OutcomeKind.Refused:
                Interlocked.Increment(ref refused);
                break;
            default:
                Interlocked.Increment(ref errors);
                break;
        }
        Interlocked.Increment(ref outcomes.GetOrAdd((outcome.Kind, outcome.Status, outcome.Type), static _ => new StrongBox<long>()).Value);
        Interlocked.CompareExchange(ref firstAt, now, 0);
        Volatile.Write(ref lastAt, now);
    }

    /// <summary>Moves what was recorded since the last call into the total and describes it.</summary>
    public StepInterval Harvest()
    {
        lock (harvestGate)
        {
            interval = interval is null ? recorder.GetIntervalHistogram() : recorder.GetIntervalHistogram(interval);
            total.Add(interval);
            var errorsNow = ErrorCount;
            var newErrors = errorsNow - lastErrors;
            lastErrors = errorsNow;
            return interval.TotalCount == 0
                ? new StepInterval(0, newErrors, 0, 0, 0)
                : new StepInterval(interval.TotalCount, newErrors, interval.GetValueAtPercentile(50), interval.GetValueAtPercentile(99), interval.GetMaxValue());
        }
    }

    /// <summary>The whole run so far, including whatever was recorded since the last harvest.</summary>
    public StepSummary Summarize()
    {
        lock (harvestGate)
        {
            interval = interval is null ? recorder.GetIntervalHistogram() : recorder.GetIntervalHistogram(interval);
            total.Add(interval);
            var first = Volatile.Read(ref firstAt);
            var active = first == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(first, Volatile.Read(ref lastAt));
            var byOutcome = outcomes
                .Select(o => new OutcomeCount(new Outcome(o.Key.Kind, o.Key.Status, o.Key.Type).Label, o.Key.Kind, o.Value.Value))
                .OrderBy(o => o.Kind).ThenByDescending(o => o.Count)
                .ToList();
            var empty = total.TotalCount == 0;
            return new StepSummary(
                Name, OkCount, RefusedCount, ErrorCount, active,
                empty ? 0 : total.GetValueAtPercentile(50),
                empty ? 0 : total.GetValueAtPercentile(90),
                empty ? 0 : total.GetValueAtPercentile(99),
                empty ? 0 : total.GetMaxValue(),
                empty ? 0 : total.GetMean(),
                byOutcome);
        }
    }
}

public sealed record OutcomeCount(string Label, OutcomeKind Kind, long Count);

/// <summary>A step over the whole run. Latencies in microseconds; the rate is over the step's active window (first to last answer).</summary>
public sealed record StepSummary(
    string Name,
    long Ok,
    long Refused,
    long Errors,
    TimeSpan Active,
    long P50,
    long P90,
    long P99,
    long Max,
    double Mean,
    IReadOnlyList<OutcomeCount> Outcomes)
{
    public long Count => Ok + Refused + Errors;

    public double RatePerSecond => Active.TotalSeconds >= 0.001 ? Count / Active.TotalSeconds : Count;

    /// <summary>Peak one-second rate, filled in from the time series by the report.</summary>
    public double PeakPerSecond { get; init; }

    /// <summary>The CPU the machine spent while the step's scenario ran, when it was measured.</summary>
    public CpuUse? Cpu { get; init; }
}
