using System.Diagnostics;
using FlashSale.LoadTests.Campaign;
using Xunit.Abstractions;

namespace FlashSale.Tests.LoadTests;

/// <summary>The 2M-shopper run must fit the generator in well under 4 GiB; this holds its per-shopper state to account without running it.</summary>
public sealed class CampaignMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void TwoMillionShoppers_StateAllWaitingOnTimers_StaysUnder100BytesEach()
    {
        const int shoppers = 2_000_000;
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var arrivals = ArrivalCurve.Generate(new CampaignOptions { Shoppers = shoppers, Seed = 1 });
        var book = new ShopperBook(shoppers, "ltmemory");
        var scheduler = new ShopperScheduler(arrivals, capacity: 512, Stopwatch.GetTimestamp());
        // The worst moment: every shopper has joined and waits on a timer (the pre-queue just before the start).
        for (var i = 0; i < shoppers; i++)
        {
            scheduler.Schedule(i, 1_000_000 + i % 30_000);
        }
        scheduler.Pump(0);

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var perShopper = (after - before) / (double)shoppers;
        output.WriteLine($"{shoppers:N0} shoppers waiting on timers: {(after - before) / (1024.0 * 1024):0} MiB, {perShopper:0.0} bytes each");
        Assert.True(perShopper < 100, $"{perShopper:0.0} bytes per shopper");
        Assert.Equal(shoppers, scheduler.Pending);
        GC.KeepAlive(book);
        GC.KeepAlive(arrivals);
    }

    [Fact]
    public void ArrivalCurve_BurstAroundTheStart_SortedAndWithinTheCampaign()
    {
        var options = new CampaignOptions { Shoppers = 100_000, StartsInSeconds = 20, DurationSeconds = 60, BurstSeconds = 5, Seed = 7 };
        var arrivals = ArrivalCurve.Generate(options);

        Assert.True(arrivals.Zip(arrivals.Skip(1)).All(p => p.First <= p.Second));
        Assert.InRange(arrivals[0], 0, 1_000);
        Assert.InRange(arrivals[^1], 20_000, 80_000);
        var inBurst = arrivals.Count(a => a is >= 15_000 and < 25_000) / (double)arrivals.Length;
        Assert.InRange(inBurst, 0.5, 0.8);
    }
}
