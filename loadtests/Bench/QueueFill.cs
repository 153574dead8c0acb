using System.Globalization;
using StackExchange.Redis;

namespace FlashSale.LoadTests.Bench;

/// <summary>Queue members written straight to Redis, for scenarios that need a queue larger than joining through the edge would build in time.</summary>
public static class QueueFill
{
    private const int Batch = 1_000;

    /// <summary>Pre-queue members as the join script writes them: a random 52-bit draw, member = a user id.</summary>
    public static async Task PreQueueAsync(IDatabase redis, string queueKey, string tag, long members, CancellationToken ct, int inFlight = 32, Action<long>? written = null)
    {
        var pending = new List<Task>(inFlight);
        long done = 0;
        for (long from = 0; from < members; from += Batch)
        {
            ct.ThrowIfCancellationRequested();
            var n = (int)Math.Min(Batch, members - from);
            var batch = new SortedSetEntry[n];
            for (var i = 0; i < n; i++)
            {
                batch[i] = new SortedSetEntry(tag + "-f" + (from + i).ToString(CultureInfo.InvariantCulture), Random.Shared.NextInt64(4_503_599_627_370_496));
            }
            pending.Add(redis.SortedSetAddAsync(queueKey, batch));
            if (pending.Count >= inFlight)
            {
                await Task.WhenAll(pending);
                done += (long)pending.Count * Batch;
                written?.Invoke(Math.Min(done, members));
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
        written?.Invoke(members);
    }
}
