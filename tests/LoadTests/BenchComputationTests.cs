using FlashSale.LoadTests.Bench;

namespace FlashSale.Tests.LoadTests;

public sealed class BenchComputationTests
{
    [Fact]
    public void RateSchedule_ChangeAndPause_IntegralCountsNothingWhilePaused()
    {
        var schedule = new RateSchedule(500);
        schedule.Apply(20, 800, paused: false);
        schedule.Apply(40, 800, paused: true);
        schedule.Apply(45, 800, paused: false);

        Assert.Equal(0, schedule.Integral(-1));
        Assert.Equal(5_000, schedule.Integral(10), 9);
        Assert.Equal(10_000 + 16_000, schedule.Integral(40), 9);
        Assert.Equal(26_000, schedule.Integral(44.9), 9);
        Assert.Equal(26_000 + 12_000, schedule.Integral(60), 9);
    }

    [Fact]
    public void RateSchedule_TickUnits_UsesTheHighestRateOfTheLastTickAndKeepsItWhilePaused()
    {
        var schedule = new RateSchedule(500);
        schedule.Apply(20, 800, paused: false);
        schedule.Apply(40, 800, paused: true);

        Assert.Equal(50, schedule.TickUnits(10, 0.1), 9);
        Assert.Equal(80, schedule.TickUnits(20.05, 0.1), 9);
        Assert.Equal(80, schedule.TickUnits(42, 0.1), 9);
    }

    [Fact]
    public void RateSchedule_ChangesOutOfOrder_AreRefused()
    {
        var schedule = new RateSchedule(100);
        schedule.Apply(10, 200, paused: false);

        Assert.Throws<ArgumentException>(() => schedule.Apply(5, 300, paused: false));
    }

    [Fact]
    public void AdmissionDeviation_LagWithinATick_PassesAndAheadByMoreThanATick_IsOvershoot()
    {
        var schedule = new RateSchedule(1_000);
        // 1,000/s with a 100 ms tick: one tick is 100 units.
        CursorSample[] lagging = [new(1.05, 1_000, 1.0), new(2.09, 2_000, 2.0)];
        CursorSample[] ahead = [new(1.0, 1_000, 1.0), new(2.0, 2_150, 2.0)];

        var ok = AdmissionDeviation.Analyse(schedule, lagging, 0.1);
        var over = AdmissionDeviation.Analyse(schedule, ahead, 0.1);

        Assert.True(ok.WithinOneTick);
        Assert.Equal(90, ok.MaxAbsUnits, 6);
        Assert.Equal(0.9, ok.MaxAbsTicks, 6);
        Assert.Equal(0, ok.MaxAbsUnitsAtTick, 6);
        Assert.False(over.WithinOneTick);
        Assert.Equal(1, over.Overshoots);
        Assert.Equal(150, over.MaxOverUnits, 6);
    }

    [Fact]
    public void AdmissionDeviation_FractionalCursor_AdmitsItsFloor()
    {
        Assert.Equal(41, new CursorSample(0, 41.97, 0).Admitted);
    }

    [Fact]
    public void LeaseDrain_FirstEmptyPool_ReportsLeasedThenAndTimeUntilNone()
    {
        InventorySample[] samples =
        [
            new(0.00, 500, 100, 400),
            new(0.05, 0, 40, 960),
            new(0.10, 0, 12, 988),
            new(0.30, 0, 0, 1_000),
        ];

        var drain = LeaseDrain.From(samples);

        Assert.NotNull(drain);
        Assert.Equal(40, drain.LeasedAtSoldOut);
        Assert.Equal(960, drain.ClaimedAtSoldOut);
        Assert.Equal(0.25, drain.DrainedAfterSeconds!.Value, 9);
        Assert.Equal(samples[0], drain.Before);
        Assert.Null(LeaseDrain.From([new(0, 10, 5, 0)]));
        Assert.Null(LeaseDrain.From([new(0, 0, 5, 995)])!.DrainedAfterSeconds);
    }
}
