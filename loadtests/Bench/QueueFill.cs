using System.Globalization;
using FlashSale.Shared.Redis;
using StackExchange.Redis;

namespace FlashSale.LoadTests.Bench;

/// <summary>
/// Pre-queue members written straight to Redis, for scenarios that need a queue larger than joining through the edge
/// would build in time. Each runs the edge's own join script with the arguments the edge passes, so the queue, the
/// seen marks and the join counter are exactly what that many joins leave behind.
/// </summary>
public static class QueueFill
{
    private const int Batch = 1_000;

    /// <summary>The queue member of the i-th filler shopper.</summary>
    public static string Member(string tag, long i) => QueueMember.Of(tag + "-f" + i.ToString(CultureInfo.InvariantCulture));

    public static async Task PreQueueAsync(IDatabase redis, string campaignId, string tag, long members, CancellationToken ct, int inFlight = 32, Action<long>? written = null)
    {
        var startMs = await redis.HashGetAsync(RedisKeys.Admission(campaignId), "startMs");
        if (startMs.IsNull)
        {
            throw new InvalidOperationException($"Campaign {campaignId} has no admission settings in Redis yet.");
        }
        var perm = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await RedisPipeline.RunAsync(redis, members, Batch, inFlight,
            (batch, i) => QueueScripts.JoinAsync(batch, campaignId, Member(tag, i), perm, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), (long)startMs, long.MaxValue),
            ct, written);
    }
}
