using System.Diagnostics;

namespace FlashSale.Tests.Infrastructure;

/// <summary>
/// Waits in real time for what a background loop of the system does on its own clock (a lease heartbeat, a pub/sub
/// hop, a metrics exporter's cache). It answers the last value read, met or not, so the test's own assertion then
/// reports what was seen instead of a bare "timed out". Waits on the shared fake clock use <see cref="Api.EventuallyAsync"/>.
/// </summary>
public static class Poll
{
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(10);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? within = null, int everyMilliseconds = 50)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var value = await read();
            if (done(value) || Stopwatch.GetElapsedTime(started) >= (within ?? DefaultWithin))
            {
                return value;
            }
            await Task.Delay(everyMilliseconds);
        }
    }
}
