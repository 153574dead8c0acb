using System.Diagnostics;
using System.Threading.Channels;
using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Campaign;

/// <summary>
/// The one loop that decides who acts next. Shoppers never sleep in a task: a shopper waiting to poll is an entry in a
/// priority queue keyed by its due time, a shopper not yet arrived is an index into the sorted arrival times. Each
/// millisecond the loop moves whoever is due into a bounded channel that the worker loops drain, earliest due first
/// whether it is an arrival or a poll, as a server would see requests from independent clients. When the system (or
/// the generator) cannot keep up, everyone is late by the same measure; arrivals' lateness is reported as arrival lag.
/// </summary>
public sealed class ShopperScheduler
{
    private readonly int[] arrivals;
    private readonly PriorityQueue<int, int> timers = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<(int Shopper, int DueMs)> incoming = new();
    private readonly Channel<int> work;
    private readonly SemaphoreSlim wake = new(0, 1);
    private readonly long origin;
    private int nextArrival;
    private long dispatched;

    public ShopperScheduler(int[] arrivals, int capacity, long origin)
    {
        this.arrivals = arrivals;
        this.origin = origin;
        work = Channel.CreateBounded<int>(new BoundedChannelOptions(capacity) { SingleWriter = true, SingleReader = false });
    }

    /// <summary>How late arrivals were sent against the curve, in microseconds: the generator (or the system) falling behind.</summary>
    public StepStats ArrivalLag { get; } = new("arrival lag");

    public ChannelReader<int> Work => work.Reader;

    /// <summary>Milliseconds since the campaign was created.</summary>
    public int NowMs => (int)Stopwatch.GetElapsedTime(origin).TotalMilliseconds;

    public int ArrivedCount => Volatile.Read(ref nextArrival);

    public long Dispatched => Interlocked.Read(ref dispatched);

    /// <summary>Arrivals the curve has called for by now (whether or not the generator has sent them yet).</summary>
    public int ScheduledArrivals(int nowMs)
    {
        var i = Array.BinarySearch(arrivals, nowMs);
        if (i < 0)
        {
            return ~i;
        }
        while (i < arrivals.Length && arrivals[i] <= nowMs)
        {
            i++;
        }
        return i;
    }

    public int LastArrivalMs => arrivals.Length == 0 ? 0 : arrivals[^1];

    /// <summary>Hands the shopper back to run again at <paramref name="dueMs"/>; safe from any thread. Due now wakes the loop.</summary>
    public void Schedule(int shopper, int dueMs)
    {
        incoming.Enqueue((shopper, dueMs));
        if (dueMs <= NowMs && wake.CurrentCount == 0)
        {
            try
            {
                wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another thread woke it first; once is enough.
            }
        }
    }

    public async Task RunAsync(Func<bool> finished, CancellationToken ct)
    {
        try
        {
            while (!finished() && !ct.IsCancellationRequested)
            {
                var now = NowMs;
                // Idle minutes (the wait before the start, the long tail) sleep until the next due time, at most 50 ms,
                // instead of spinning a 1 ms timer; a full channel retries in 1 ms.
                var wait = Pump(now) ? 1 : Math.Clamp(NextDueMs() - now, 1, 50);
                await wake.WaitAsync(wait, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            work.Writer.TryComplete();
        }
    }

    /// <summary>
    /// One turn of the loop: files what was scheduled, then hands out whatever is due, earliest first, as far as the
    /// workers take it. True when the channel was full with more due.
    /// </summary>
    internal bool Pump(int now)
    {
        while (incoming.TryDequeue(out var item))
        {
            timers.Enqueue(item.Shopper, item.DueMs);
        }
        while (true)
        {
            var timerDue = timers.TryPeek(out var waiting, out var due) && due <= now;
            var arrivalDue = nextArrival < arrivals.Length && arrivals[nextArrival] <= now;
            if (timerDue && (!arrivalDue || due <= arrivals[nextArrival]))
            {
                if (!work.Writer.TryWrite(waiting))
                {
                    return true;
                }
                timers.Dequeue();
            }
            else if (arrivalDue)
            {
                if (!work.Writer.TryWrite(nextArrival))
                {
                    return true;
                }
                ArrivalLag.RecordMicros((now - arrivals[nextArrival]) * 1000L, Outcome.Ok(0));
                Volatile.Write(ref nextArrival, nextArrival + 1);
            }
            else
            {
                return false;
            }
            Interlocked.Increment(ref dispatched);
        }
    }

    private int NextDueMs()
    {
        var next = int.MaxValue;
        if (timers.TryPeek(out _, out var due))
        {
            next = due;
        }
        if (nextArrival < arrivals.Length)
        {
            next = Math.Min(next, arrivals[nextArrival]);
        }
        return incoming.IsEmpty ? next : 0;
    }

    /// <summary>Shoppers still waiting for a timer when the run stopped.</summary>
    public int Pending => timers.Count + incoming.Count;
}
