using FlashSale.LoadTests.Checks;
using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Report;

/// <summary>A ratio the run exists to report, with both sides measured in the same run ("claims/s vs textbook claims/s").</summary>
public sealed record Ratio(string Name, string Numerator, double NumeratorValue, string Denominator, double DenominatorValue)
{
    public double Value => DenominatorValue == 0 ? double.NaN : NumeratorValue / DenominatorValue;
}

/// <summary>A chart of the HTML page: series of the time series drawn together, in one unit.</summary>
public sealed record ChartSpec(string Title, string Unit, IReadOnlyList<string> Series);

/// <summary>A labelled number the summary lists ("shoppers who won", "arrival lag p99").</summary>
public sealed record Tally(string Name, string Value);

/// <summary>Everything one run produced; the writers turn it into summary.md, report.html, timeseries.csv and result.json.</summary>
public sealed record RunResult(
    string Scenario,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    IReadOnlyList<StepSummary> Steps,
    IReadOnlyList<CheckResult> Checks,
    IReadOnlyList<Ratio> Ratios,
    IReadOnlyList<Tally> Tallies,
    IReadOnlyList<string> Notes,
    TimeSeries Series,
    IReadOnlyList<ChartSpec> Charts,
    MachineInfo Machine)
{
    public bool Passed => Checks.All(c => c.Status != CheckStatus.Fail);

    /// <summary>The folder the report was written to, once it was.</summary>
    public string? ReportFolder { get; init; }
}
