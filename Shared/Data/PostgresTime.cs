namespace FlashSale.Shared.Data;

public static class PostgresTime
{
    /// <summary>PostgreSQL keeps microseconds; a value answered before it is stored must equal the one read back later.</summary>
    public static DateTimeOffset ToMicroseconds(this DateTimeOffset t) => t.AddTicks(-(t.Ticks % 10));
}
