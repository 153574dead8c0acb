using System.Collections.Concurrent;

namespace FlashSale.WaitingRoom.Queue;

/// <summary>
/// Sends what arrives while earlier sends are on their way together, in the next round trip: a join storm then costs
/// Redis one script call per batch instead of one per shopper, and the edge one command instead of hundreds. Nothing
/// waits on a timer: a lone request goes at once, and a batch is as large as what piled up behind the one in flight.
/// </summary>
public sealed class RoundTripBatcher<TItem, TResult>(
    Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> send, int maxBatch, int maxInFlight)
{
    private readonly ConcurrentQueue<(TItem Item, TaskCompletionSource<TResult> Done)> pending = new();
    private int inFlight;

    /// <summary>Nothing waiting and nothing on its way; a batcher dropped now loses nothing, and one used after that still sends.</summary>
    public bool IsIdle => pending.IsEmpty && Volatile.Read(ref inFlight) == 0;

    public Task<TResult> SendAsync(TItem item)
    {
        // Completed inline by the sender: a batch's answers are written one after another on the thread that got them
        // from Redis, instead of each waking a thread-pool worker (the kernel's wake-up and task-switch paths were a
        // sixth of the edge's CPU in a join storm). The next batch waits for that, a millisecond or two; the other
        // sender in flight does not.
        var done = new TaskCompletionSource<TResult>();
        pending.Enqueue((item, done));
        Pump();
        return done.Task;
    }

    private void Pump()
    {
        while (!pending.IsEmpty)
        {
            var running = Volatile.Read(ref inFlight);
            if (running >= maxInFlight)
            {
                return;
            }
            if (Interlocked.CompareExchange(ref inFlight, running + 1, running) == running)
            {
                _ = SendBatchesAsync();
                return;
            }
        }
    }

    private async Task SendBatchesAsync()
    {
        var batch = new List<(TItem Item, TaskCompletionSource<TResult> Done)>();
        try
        {
            while (true)
            {
                batch.Clear();
                while (batch.Count < maxBatch && pending.TryDequeue(out var next))
                {
                    batch.Add(next);
                }
                if (batch.Count == 0)
                {
                    return;
                }
                var items = new TItem[batch.Count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = batch[i].Item;
                }
                try
                {
                    var results = await send(items);
                    if (results.Count != batch.Count)
                    {
                        throw new InvalidOperationException($"A batch of {batch.Count} came back with {results.Count} answers.");
                    }
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Done.TrySetResult(results[i]);
                    }
                }
                catch (Exception e)
                {
                    foreach (var (_, done) in batch)
                    {
                        done.TrySetException(e);
                    }
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
            // Whatever arrived after the last dequeue but while this sender still counted as in flight.
            Pump();
        }
    }
}
