using System.Collections.Concurrent;

namespace FlashSale.LoadTests.Runner;

/// <summary>A value read once a second for the charts: a gauge as it is, or a counter turned into a rate per second.</summary>
public sealed record Probe(string Name, Func<CancellationToken, ValueTask<double>> Read, bool IsCounter = false)
{
    public static Probe Gauge(string name, Func<double> read) => new(name, _ => ValueTask.FromResult(read()));

    public static Probe Counter(string name, Func<double> read) => new(name, _ => ValueTask.FromResult(read()), IsCounter: true);
}

/// <summary>Every step of a run, in the order they were first used, plus the probes the sampler reads each second.</summary>
public sealed class RunMetrics
{
    private readonly ConcurrentDictionary<string, StepStats> steps = new();
    private readonly List<StepStats> ordered = [];
    private readonly List<Probe> probes = [];
    private readonly ConcurrentDictionary<string, CpuUse> cpu = new();
    private readonly Lock gate = new();

    public StepStats Step(string name)
    {
        if (steps.TryGetValue(name, out var step))
        {
            return step;
        }
        lock (gate)
        {
            if (!steps.TryGetValue(name, out step))
            {
                step = new StepStats(name);
                ordered.Add(step);
                steps[name] = step;
            }
            return step;
        }
    }

    public IReadOnlyList<StepStats> Steps
    {
        get
        {
            lock (gate)
            {
                return [.. ordered];
            }
        }
    }

    public void Add(Probe probe)
    {
        lock (gate)
        {
            probes.Add(probe);
        }
    }

    public IReadOnlyList<Probe> Probes
    {
        get
        {
            lock (gate)
            {
                return [.. probes];
            }
        }
    }

    /// <summary>Where the machine's CPU went while the scenario named like the step ran; summed when it runs again (warm-up rounds).</summary>
    public void RecordCpu(string step, CpuUse use) => cpu.AddOrUpdate(step, use, (_, before) => before + use);

    public CpuUse? CpuOf(string step) => cpu.GetValueOrDefault(step);

    public long TotalErrors => Steps.Sum(s => s.ErrorCount);
}
