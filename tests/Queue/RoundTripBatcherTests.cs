using FlashSale.WaitingRoom.Queue;

namespace FlashSale.Tests.Queue;

public sealed class RoundTripBatcherTests
{
    [Fact]
    public async Task Send_WhatArrivesWhileOneIsInFlight_GoesTogetherNext_AndEachCallerGetsItsOwnAnswer()
    {
        var batches = new List<int[]>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = new RoundTripBatcher<int, int>(async items =>
        {
            lock (batches)
            {
                batches.Add([.. items]);
            }
            await gate.Task;
            return items.Select(i => i * 10).ToArray();
        }, maxBatch: 64, maxInFlight: 1);

        // A lone request goes at once: no timer holds it back.
        var first = batcher.SendAsync(0);
        Assert.Equal([0], Assert.Single(batches));
        var rest = Enumerable.Range(1, 100).Select(batcher.SendAsync).ToArray();
        Assert.Single(batches);

        gate.SetResult();
        Assert.Equal(0, await first);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => i * 10), await Task.WhenAll(rest));
        Assert.Equal([1, 64, 36], batches.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 101), batches.SelectMany(b => b));
    }

    [Fact]
    public async Task Send_AFailedRoundTrip_FailsOnlyItsOwnBatch_AndTheNextOneStillGoes()
    {
        var calls = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = new RoundTripBatcher<int, int>(async items =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await gate.Task;
                throw new TimeoutException("Redis did not answer.");
            }
            return [.. items];
        }, maxBatch: 16, maxInFlight: 1);

        var failing = batcher.SendAsync(1);
        var waiting = batcher.SendAsync(2);
        gate.SetResult();
        await Assert.ThrowsAsync<TimeoutException>(() => failing);
        Assert.Equal(2, await waiting);
        Assert.Equal(3, await batcher.SendAsync(3));
    }

    [Fact]
    public async Task Send_AnAnswerCountThatDoesNotMatchTheBatch_FailsTheBatchInsteadOfMixingAnswersUp()
    {
        var batcher = new RoundTripBatcher<int, int>(items => Task.FromResult<IReadOnlyList<int>>([.. items, 99]), maxBatch: 8, maxInFlight: 1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.SendAsync(1));
    }

    [Fact]
    public async Task Send_AStormFromManyThreads_EveryItemAnsweredOnce_NeverMoreRoundTripsInFlightThanAllowed()
    {
        const int items = 20_000;
        var inFlight = 0;
        var most = 0;
        var sent = 0;
        var batcher = new RoundTripBatcher<int, int>(async batch =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            await Task.Delay(1);
            Interlocked.Add(ref sent, batch.Count);
            Interlocked.Decrement(ref inFlight);
            return batch.Select(i => -i).ToArray();
        }, maxBatch: 256, maxInFlight: 2);

        var answers = new int[items];
        await Parallel.ForEachAsync(Enumerable.Range(0, items), new ParallelOptions { MaxDegreeOfParallelism = 64 },
            async (i, _) => answers[i] = await batcher.SendAsync(i));

        Assert.Equal(Enumerable.Range(0, items).Select(i => -i), answers);
        Assert.Equal(items, sent);
        Assert.InRange(most, 1, 2);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }
}
