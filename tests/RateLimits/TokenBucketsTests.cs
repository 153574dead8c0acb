using System.Net;
using FlashSale.WaitingRoom.RateLimits;
using Microsoft.Extensions.Time.Testing;

namespace FlashSale.Tests.RateLimits;

/// <summary>One number per key behaves as a token bucket: the burst at once, then the rate, refilled by the clock.</summary>
public sealed class TokenBucketsTests
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);

    private TokenBuckets Buckets(int perSecond, int burst) => new(perSecond, burst, clock);

    private static readonly UInt128 Alice = ShopperRateLimiter.ClientKey(IPAddress.Parse("198.51.100.1"));
    private static readonly UInt128 Bob = ShopperRateLimiter.ClientKey(IPAddress.Parse("198.51.100.2"));

    private static int Takes(TokenBuckets buckets, UInt128 key, int tries) =>
        Enumerable.Range(0, tries).Count(i => buckets.TryTake(key, out _));

    [Fact]
    public void TheBurstAtOnce_ThenRefusedWithTheWaitForOneToken_ThenTheRate()
    {
        using var buckets = Buckets(perSecond: 10, burst: 5);

        Assert.Equal(5, Takes(buckets, Alice, 8));
        Assert.False(buckets.TryTake(Alice, out var wait));
        Assert.Equal(TimeSpan.FromMilliseconds(100), wait);

        clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(buckets.TryTake(Alice, out wait));
        Assert.Equal(TimeSpan.FromMilliseconds(1), wait);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, Takes(buckets, Alice, 3));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(5, Takes(buckets, Alice, 20));   // ten tokens' worth of time, but a bucket holds five
        Assert.Equal(5, Takes(buckets, Bob, 20));     // each address its own
    }

    [Fact]
    public void Sweep_ForgetsFullBuckets_AndKeepsTheOthers()
    {
        using var buckets = Buckets(perSecond: 1, burst: 3);
        Assert.Equal(3, Takes(buckets, Alice, 3));
        Assert.Equal(1, Takes(buckets, Bob, 1));

        clock.Advance(TimeSpan.FromSeconds(1));
        buckets.Sweep();
        Assert.Equal(1, buckets.Count);   // Bob's bucket is full again and gone; Alice's still owes two tokens

        Assert.Equal(1, Takes(buckets, Alice, 5));
        clock.Advance(TimeSpan.FromSeconds(10));   // the sweeper's own timer
        Assert.Equal(0, buckets.Count);
        Assert.Equal(3, Takes(buckets, Alice, 5));
    }

    [Fact]
    public async Task ManyThreadsAtOnce_TakeExactlyTheBurst()
    {
        using var buckets = Buckets(perSecond: 1, burst: 100);
        var granted = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                if (buckets.TryTake(Alice, out _))
                {
                    Interlocked.Increment(ref granted);
                }
            }
        })));

        Assert.Equal(100, granted);
    }
}
