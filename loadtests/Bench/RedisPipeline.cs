using StackExchange.Redis;

namespace FlashSale.LoadTests.Bench;

/// <summary>
/// Millions of commands sent in batches with a bounded number in flight: fast enough to fill a 10M queue in minutes,
/// without holding millions of tasks at once.
/// </summary>
public static class RedisPipeline
{
    /// <summary>Sends <paramref name="send"/>(batch, i) for i in [0, count); <paramref name="done"/> hears how many have been answered.</summary>
    public static async Task RunAsync(IDatabase redis, long count, int batchSize, int inFlight, Func<IBatch, long, Task> send, CancellationToken ct, Action<long>? done = null)
    {
        var pending = new List<Task>(inFlight);
        for (long from = 0; from < count; from += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            var batch = redis.CreateBatch();
            var sent = new Task[(int)Math.Min(batchSize, count - from)];
            for (var i = 0; i < sent.Length; i++)
            {
                sent[i] = send(batch, from + i);
            }
            batch.Execute();
            pending.Add(Task.WhenAll(sent));
            if (pending.Count >= inFlight)
            {
                await Task.WhenAll(pending);
                done?.Invoke(from + sent.Length);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
        done?.Invoke(count);
    }
}
