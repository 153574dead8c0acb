using System.Globalization;

namespace FlashSale.LoadTests.Report;

/// <summary>Numbers as the reports print them: invariant culture, thousands separated, latencies in milliseconds.</summary>
public static class Format
{
    public static string N(double n) => double.IsNaN(n) ? "–" : n.ToString(Math.Abs(n) >= 100 ? "N0" : "N1", CultureInfo.InvariantCulture);

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Microseconds as milliseconds, with the precision the size deserves.</summary>
    public static string Ms(double micros)
    {
        var ms = micros / 1000;
        return ms switch
        {
            < 1 => ms.ToString("0.000", CultureInfo.InvariantCulture),
            < 10 => ms.ToString("0.00", CultureInfo.InvariantCulture),
            < 100 => ms.ToString("0.0", CultureInfo.InvariantCulture),
            _ => ms.ToString("N0", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Microseconds of one operation, with the precision the size deserves.</summary>
    public static string Micros(double us) => us.ToString(us < 10 ? "0.00" : us < 100 ? "0.0" : "N0", CultureInfo.InvariantCulture);

    public static string Ratio(double r) => double.IsNaN(r) ? "–" : r.ToString(r >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture) + "×";

    public static string Duration(TimeSpan t) => t.TotalMinutes >= 1
        ? $"{(int)t.TotalMinutes}m {t.Seconds:00}s"
        : t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
