namespace FlashSale.Shared.Hosting;

/// <summary>
/// Housekeeping that rides on the calls themselves, with no timer to own: once the interval has passed since the last
/// time (or since creation), exactly one caller is told it is due, and the next interval starts from that moment.
/// </summary>
public sealed class OncePer(TimeSpan interval, TimeProvider time)
{
    private long next = time.GetUtcNow().UtcTicks + interval.Ticks;

    /// <summary>True for the one caller that takes the turn due at <paramref name="nowTicks"/> (UTC ticks).</summary>
    public bool TryTake(long nowTicks)
    {
        var due = Interlocked.Read(ref next);
        return nowTicks >= due && Interlocked.CompareExchange(ref next, nowTicks + interval.Ticks, due) == due;
    }

    public bool TryTake() => TryTake(time.GetUtcNow().UtcTicks);
}
