using System.Diagnostics;

namespace FlashSale.LoadTests.Runner;

/// <summary>Runs one scenario's simulations in order; returns when the last phase ends and every iteration in flight has answered.</summary>
public static class ScenarioRunner
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    public static async Task<ScenarioRun> RunAsync(Scenario scenario, RunMetrics metrics, CancellationToken ct)
    {
        var control = new ScenarioControl();
        var state = new RunState(scenario, metrics, control, ct);
        var cpuAtStart = ProcessCpu.Read();
        var started = Stopwatch.GetTimestamp();
        double previousRate = 0;
        var previousCopies = 0;
        foreach (var phase in scenario.Simulations)
        {
            if (state.Finished)
            {
                break;
            }
            switch (phase)
            {
                case Inject inject:
                    await InjectAsync(state, inject.Rate, inject.Rate, inject.During);
                    previousRate = inject.Rate;
                    break;
                case RampingInject ramp:
                    await InjectAsync(state, previousRate, ramp.Rate, ramp.During);
                    previousRate = ramp.Rate;
                    break;
                case KeepConstant constant:
                    await KeepAsync(state, constant.Copies, constant.Copies, constant.During);
                    previousCopies = constant.Copies;
                    break;
                case RampingConstant ramp:
                    await KeepAsync(state, previousCopies, ramp.Copies, ramp.During);
                    previousCopies = ramp.Copies;
                    break;
            }
        }
        await state.DrainAsync();
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (cpuAtStart is not null && ProcessCpu.Read() is { } cpuAtEnd)
        {
            metrics.RecordCpu(scenario.Name, cpuAtEnd.Since(cpuAtStart, elapsed));
        }
        return new ScenarioRun(scenario.Name, elapsed, state.Iterations, state.Dropped);
    }

    // Open model: the number started by now follows the integral of the rate, so a slow tick catches up instead of losing load.
    private static async Task InjectAsync(RunState state, double fromRate, double toRate, TimeSpan during)
    {
        var phaseStart = Stopwatch.GetTimestamp();
        var seconds = during.TotalSeconds;
        long started = 0;
        while (!state.Finished)
        {
            var t = Math.Min(Stopwatch.GetElapsedTime(phaseStart).TotalSeconds, seconds);
            var due = (long)(fromRate * t + (toRate - fromRate) * t * t / (2 * seconds));
            for (; started < due && !state.Finished; started++)
            {
                state.StartDetached();
            }
            if (t >= seconds)
            {
                return;
            }
            await Task.Delay(Tick, state.Cancellation).ConfigureAwait(false);
        }
    }

    // Closed model: loop i runs while i is below the current target, so a ramp adds or parks loops as it goes.
    private static async Task KeepAsync(RunState state, int fromCopies, int toCopies, TimeSpan during)
    {
        var phaseStart = Stopwatch.GetTimestamp();
        var seconds = during.TotalSeconds;
        int Target()
        {
            var t = Math.Min(Stopwatch.GetElapsedTime(phaseStart).TotalSeconds, seconds);
            return (int)Math.Round(fromCopies + (toCopies - fromCopies) * (seconds <= 0 ? 1 : t / seconds));
        }
        bool Over() => state.Finished || Stopwatch.GetElapsedTime(phaseStart).TotalSeconds >= seconds;
        var loops = Enumerable.Range(0, Math.Max(fromCopies, toCopies)).Select(i => Task.Run(async () =>
        {
            while (!Over())
            {
                if (i >= Target())
                {
                    await Task.Delay(Tick * 2, state.Cancellation).ConfigureAwait(false);
                    continue;
                }
                await state.RunOneAsync().ConfigureAwait(false);
            }
        }, state.Cancellation));
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private sealed class RunState(Scenario scenario, RunMetrics metrics, ScenarioControl control, CancellationToken ct)
    {
        private readonly SemaphoreSlim inFlight = new(scenario.MaxInFlight, scenario.MaxInFlight);
        private long iterations;
        private long dropped;
        private int detached;

        public CancellationToken Cancellation => ct;

        public long Iterations => Math.Min(Volatile.Read(ref iterations), scenario.MaxIterations);

        public long Dropped => Volatile.Read(ref dropped);

        public bool Finished => control.IsStopped || ct.IsCancellationRequested || Iterations >= scenario.MaxIterations;

        public async Task RunOneAsync()
        {
            var n = Interlocked.Increment(ref iterations);
            if (n > scenario.MaxIterations)
            {
                return;
            }
            try
            {
                await scenario.Body(new ScenarioContext(n - 1, metrics, control, ct)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                // A body that throws is a bug in the scenario, but one broken iteration must not end the run unseen.
                metrics.Step("scenario: unhandled").RecordMicros(1, Outcome.Error(0, e.GetType().Name));
            }
        }

        public void StartDetached()
        {
            if (!inFlight.Wait(0))
            {
                Interlocked.Increment(ref dropped);
                return;
            }
            Interlocked.Increment(ref detached);
            _ = Task.Run(async () =>
            {
                try
                {
                    await RunOneAsync().ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref detached);
                    inFlight.Release();
                }
            });
        }

        public async Task DrainAsync()
        {
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 120;
            while (Volatile.Read(ref detached) > 0 && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(Tick).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>How a scenario's run went as a whole: wall time, iterations started, injections dropped because the generator was full.</summary>
public sealed record ScenarioRun(string Name, TimeSpan Duration, long Iterations, long Dropped);
