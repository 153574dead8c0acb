namespace FlashSale.LoadTests.Runner;

/// <summary>
/// A named scenario: a body run once per iteration under a sequence of load simulations. The body records its
/// steps itself (<see cref="ScenarioContext.Metrics"/>), so one iteration can be one request or a whole flow.
/// </summary>
public sealed record Scenario(string Name, Func<ScenarioContext, ValueTask> Body, IReadOnlyList<LoadSimulation> Simulations)
{
    /// <summary>Stops the scenario after this many iterations even if the simulations have time left (a bounded run).</summary>
    public long MaxIterations { get; init; } = long.MaxValue;

    /// <summary>Open-model iterations allowed in flight at once; beyond it an injection is counted as dropped, not queued.</summary>
    public int MaxInFlight { get; init; } = 10_000;
}

/// <summary>What an iteration knows: its number, the run's metrics, and a way to end the scenario early.</summary>
public sealed class ScenarioContext(long iteration, RunMetrics metrics, ScenarioControl control, CancellationToken cancellation)
{
    public long Iteration { get; } = iteration;

    public RunMetrics Metrics { get; } = metrics;

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Ends the scenario once the iterations in flight finish (e.g. the pool of admission tokens is used up).</summary>
    public void StopScenario() => control.Stop();
}

public sealed class ScenarioControl
{
    private int stopped;

    public bool IsStopped => Volatile.Read(ref stopped) == 1;

    public void Stop() => Volatile.Write(ref stopped, 1);
}
