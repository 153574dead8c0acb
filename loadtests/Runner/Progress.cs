using System.Globalization;

namespace FlashSale.LoadTests.Runner;

/// <summary>What a scenario shows on the progress line: a short status, how much is done (0..1) and a floor for the time left, when it can tell.</summary>
public sealed record ProgressStatus(string Text, double? Done, TimeSpan? AtLeast = null);

/// <summary>
/// The line on the terminal while a run goes: elapsed, ETA, the scenario's own status and the generator's memory.
/// Redrawn in place on a terminal; on a pipe or a log file a full line every ten seconds.
/// </summary>
public sealed class Progress(string scenario, Func<IReadOnlyDictionary<string, double>, ProgressStatus> status, TextWriter? output = null)
{
    /// <summary>A progress line of the rate of every step that has answered something.</summary>
    public static Progress StepRates(string scenario, RunMetrics metrics) =>
        new(scenario, row => new ProgressStatus(string.Join(" | ", metrics.Steps
            .Where(s => row.GetValueOrDefault(SeriesNames.Rate(s.Name)) > 0)
            .Select(s => $"{s.Name} {Report.Format.N(row[SeriesNames.Rate(s.Name)])}/s")), null));

    private readonly TextWriter output = output ?? Console.Error;
    private readonly bool inPlace = output is null && !Console.IsErrorRedirected;
    private TimeSpan? lastLine;

    public void Draw(TimeSpan elapsed, IReadOnlyDictionary<string, double> lastSecond)
    {
        if (!inPlace && lastLine is { } last && elapsed - last < TimeSpan.FromSeconds(10))
        {
            return;
        }
        lastLine = elapsed;
        var now = status(lastSecond);
        // ETA from the share done so far, never less than what the scenario knows must still happen (arrivals still to come).
        TimeSpan? left = now.Done is > 0.001 and < 1 ? elapsed * ((1 - now.Done.Value) / now.Done.Value) : null;
        if (now.AtLeast is { } floor && (left is null || left < floor))
        {
            left = floor;
        }
        var eta = left is { } l ? $" ETA {Clock(l)}" : "";
        var memory = Environment.WorkingSet / (1024 * 1024);
        var line = $"[{scenario} {Clock(elapsed)}{eta}] {now.Text} | mem {memory.ToString(CultureInfo.InvariantCulture)} MiB";
        if (inPlace)
        {
            var width = Console.IsOutputRedirected ? 160 : Math.Max(40, SafeWidth() - 1);
            output.Write("\r" + (line.Length > width ? line[..width] : line.PadRight(width)));
        }
        else
        {
            output.WriteLine(line);
        }
    }

    public void Finish(TimeSpan elapsed)
    {
        if (inPlace)
        {
            output.WriteLine();
        }
        output.WriteLine($"[{scenario}] finished in {Clock(elapsed)}");
    }

    public static string Clock(TimeSpan t) =>
        t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"mm\:ss", CultureInfo.InvariantCulture);

    private static int SafeWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 160;
        }
        catch (IOException)
        {
            return 160;
        }
    }
}
