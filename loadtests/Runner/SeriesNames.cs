namespace FlashSale.LoadTests.Runner;

/// <summary>How the sampler names the series it derives from each step, so charts can ask for them.</summary>
public static class SeriesNames
{
    public static string Rate(string step) => $"{step} /s";

    public static string P99(string step) => $"{step} p99 ms";

    public const string Errors = "errors /s";
}
