using FlashSale.LoadTests.Bench;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace FlashSale.Tests.Admission;

/// <summary>
/// The admission cursor against the integral of the rate, on real Redis with a moved clock: two edges tick the same
/// campaign at their own phases through a rate change and a pause, and the cursor stays within a tick of the integral
/// at every instant, never more than half a tick ahead of it.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class AdmissionCursorTests(FlashSaleSystem sys)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Lead = AdmissionCursor.LeadFor(Tick);

    [Fact]
    public async Task Cursor_TwoEdgesTickingThroughARateChangeAndAPause_StaysWithinATickOfTheIntegral()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1_900_000_000));
        var (edgeA, admin, edgeB) = (new AdmissionCursor(sys.Redis, clock), new AdmissionCursor(sys.Redis, clock), new AdmissionCursor(sys.Redis, clock));
        var start = clock.GetUtcNow();
        var campaign = new Campaign($"c_cursor_{Guid.NewGuid():N}", "cursor", start, start.AddMinutes(5), 100_000, 1,
            new CouponSettings("percent", 10), new AdmissionSettings(500), null, start);
        var db = sys.Redis.GetDatabase();
        // A queue longer than anything the rate admits in the test, so the cursor is never capped by it.
        for (var batch = 0; batch < 10; batch++)
        {
            await db.SortedSetAddAsync(RedisKeys.Queue(campaign.Id),
                [.. Enumerable.Range(batch * 5_000, 5_000).Select(i => new SortedSetEntry($"m{i}", QueueLua.PostStartBase + i))]);
        }
        await admin.ConfigureAsync(campaign);
        await edgeA.AdvanceAsync(campaign.Id, Lead);

        // 500/s, 800/s from 20 s, paused from 40 s to 45 s (Admin's changes land between ticks, at 40 ms past one).
        var changes = new (double At, int Rate, bool Paused)[] { (0, 500, false), (20.04, 800, false), (40.04, 800, true), (45.04, 800, false) };
        // What the cursor should have admitted by each instant, as admission-accuracy reckons it.
        var schedule = new RateSchedule(changes[0].Rate);
        foreach (var (at, rate, paused) in changes[1..])
        {
            schedule.Apply(at, rate, paused);
        }
        async Task<double> ServedAsync() => (double)await db.HashGetAsync(RedisKeys.Admission(campaign.Id), "served");

        double worstBehind = 0, worstAhead = double.NegativeInfinity;
        var next = 1;
        // Edge A ticks on the 100 ms marks; edge B joins at 30 s, 60 ms after each of them. Every 10 ms the cursor is
        // read as a shopper would.
        for (var ms = 10; ms <= 60_000; ms += 10)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            var t = ms / 1000.0;
            if (next < changes.Length && Math.Abs(changes[next].At - t) < 0.006)
            {
                await admin.ConfigureAsync(campaign with { Admission = new AdmissionSettings(changes[next].Rate, Paused: changes[next].Paused) });
                next++;
            }
            if (ms % 100 == 0)
            {
                await edgeA.AdvanceAsync(campaign.Id, Lead);
            }
            else if (ms % 100 == 60 && ms >= 30_000)
            {
                await edgeB.AdvanceAsync(campaign.Id, Lead);
            }
            var diff = await ServedAsync() - schedule.Integral(t);
            var tickUnits = changes.Last(c => c.At < t).Rate * Tick.TotalSeconds;
            worstBehind = Math.Max(worstBehind, -diff / tickUnits);
            worstAhead = Math.Max(worstAhead, diff / tickUnits);
        }

        Assert.Equal(changes.Length, next);
        // Each tick counts a quarter tick ahead: at most three quarters behind before the next (without the lead a
        // whole tick, so a late tick would be more), at most a half ahead (a quarter, and a quarter more at the old
        // settings around a change).
        Assert.True(worstBehind <= 0.75 + 1e-9, $"the cursor fell {worstBehind:0.00} ticks behind the integral");
        Assert.True(worstAhead <= 0.5 + 1e-9, $"the cursor ran {worstAhead:0.00} ticks ahead of the integral");
        Assert.True(worstAhead > 0, "a cursor counted ahead should be seen ahead of the integral");
        Assert.Equal(schedule.Integral(60) + 800 * Lead.TotalSeconds, await ServedAsync(), 6);

        await db.KeyDeleteAsync([RedisKeys.Queue(campaign.Id), RedisKeys.Admission(campaign.Id)]);
    }
}
