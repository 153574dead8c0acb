namespace FlashSale.LoadTests.Bench;

/// <summary>One read of the cursor: when (seconds after the start), its value <c>served</c> then, and when it last ticked (NaN if unknown).</summary>
public readonly record struct CursorSample(double AtSeconds, double Served, double TickedAtSeconds)
{
    /// <summary>Shoppers let in: a rank is admitted when it is below the cursor, so a fractional cursor admits its floor.</summary>
    public double Admitted => Math.Floor(Served);
}

/// <summary>How far the admitted count strayed from the integral of the rate, in units and in edge ticks.</summary>
public sealed record DeviationSummary(
    int Samples,
    double MaxAbsUnits,
    double MaxAbsTicks,
    double WorstAtSeconds,
    double MaxOverUnits,
    int Overshoots,
    double MaxAbsUnitsAtTick)
{
    /// <summary>Within one tick of the integral everywhere, and never more than a tick ahead of it.</summary>
    public bool WithinOneTick => MaxAbsTicks <= 1 && Overshoots == 0;
}

public static class AdmissionDeviation
{
    /// <summary>
    /// Compares each sample with the integral at the instant it was read (what a shopper sees: includes up to a tick of
    /// lag) and, separately, with the integral at the cursor's own last tick (the arithmetic alone, lag removed).
    /// Overshoot is admitted &gt; integral + one tick: more shoppers let in than the rate allows.
    /// </summary>
    public static DeviationSummary Analyse(RateSchedule schedule, IReadOnlyList<CursorSample> samples, double tickSeconds)
    {
        double maxAbs = 0, maxTicks = 0, worstAt = double.NaN, maxOver = double.NegativeInfinity, maxAtTick = 0;
        var overshoots = 0;
        foreach (var s in samples)
        {
            var integral = schedule.Integral(s.AtSeconds);
            var diff = s.Admitted - integral;
            var tick = schedule.TickUnits(s.AtSeconds, tickSeconds);
            var ticks = tick > 0 ? Math.Abs(diff) / tick : diff == 0 ? 0 : double.PositiveInfinity;
            if (Math.Abs(diff) > maxAbs)
            {
                maxAbs = Math.Abs(diff);
                worstAt = s.AtSeconds;
            }
            maxTicks = Math.Max(maxTicks, ticks);
            maxOver = Math.Max(maxOver, diff);
            if (diff > tick)
            {
                overshoots++;
            }
            // The raw cursor against the integral at its own tick: no lag and no floor, only the arithmetic and the switch instants.
            if (!double.IsNaN(s.TickedAtSeconds))
            {
                maxAtTick = Math.Max(maxAtTick, Math.Abs(s.Served - schedule.Integral(s.TickedAtSeconds)));
            }
        }
        return new DeviationSummary(samples.Count, maxAbs, maxTicks, worstAt, samples.Count == 0 ? double.NaN : maxOver, overshoots, maxAtTick);
    }
}
