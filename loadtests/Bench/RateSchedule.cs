namespace FlashSale.LoadTests.Bench;

/// <summary>One admission setting as it took effect: from <see cref="AtSeconds"/> after the start, this rate, paused or not.</summary>
public readonly record struct RateChange(double AtSeconds, double RatePerSecond, bool Paused);

/// <summary>
/// The admission rate over time as the marketer applied it, and what the cursor should have admitted by any instant:
/// the integral of the rate, counting nothing while paused. A change takes effect at the time it is given (we use the
/// moment Admin answered the PUT, the latest instant it can have taken effect).
/// </summary>
public sealed class RateSchedule
{
    private readonly List<RateChange> changes;

    public RateSchedule(double initialRate) => changes = [new RateChange(0, initialRate, false)];

    public IReadOnlyList<RateChange> Changes => changes;

    /// <summary>Adds a change; changes come in time order, since they are what one marketer did one after another.</summary>
    public void Apply(double atSeconds, double ratePerSecond, bool paused)
    {
        if (atSeconds < changes[^1].AtSeconds)
        {
            throw new ArgumentException("Rate changes must be applied in time order.", nameof(atSeconds));
        }
        changes.Add(new RateChange(atSeconds, ratePerSecond, paused));
    }

    /// <summary>Units admitted by <paramref name="t"/> seconds after the start (0 before it).</summary>
    public double Integral(double t)
    {
        var sum = 0.0;
        for (var i = 0; i < changes.Count && changes[i].AtSeconds < t; i++)
        {
            var end = i + 1 < changes.Count ? Math.Min(changes[i + 1].AtSeconds, t) : t;
            if (!changes[i].Paused)
            {
                sum += (end - changes[i].AtSeconds) * changes[i].RatePerSecond;
            }
        }
        return sum;
    }

    /// <summary>The configured rate at <paramref name="t"/>, paused or not (a pause keeps the rate it resumes at).</summary>
    public double ConfiguredRateAt(double t)
    {
        var rate = changes[0].RatePerSecond;
        foreach (var change in changes)
        {
            if (change.AtSeconds > t)
            {
                break;
            }
            rate = change.RatePerSecond;
        }
        return rate;
    }

    /// <summary>
    /// What one edge tick may move the cursor by at <paramref name="t"/>: tick length × the highest configured rate in
    /// force during the tick before it. A pause keeps its configured rate, so a deviation while paused still has a size in ticks.
    /// </summary>
    public double TickUnits(double t, double tickSeconds)
    {
        var rate = ConfiguredRateAt(t - tickSeconds);
        foreach (var change in changes)
        {
            if (change.AtSeconds > t - tickSeconds && change.AtSeconds <= t)
            {
                rate = Math.Max(rate, change.RatePerSecond);
            }
        }
        return rate * tickSeconds;
    }
}
