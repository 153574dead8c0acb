using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FlashSale.LoadTests.Report;

/// <summary>Writes a run to results/&lt;timestamp&gt;/ (UTC): summary.md, report.html, timeseries.csv, result.json.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<string> WriteAsync(RunResult r, string resultsRoot)
    {
        var folder = Path.Combine(resultsRoot, $"{r.StartedAt:yyyyMMdd-HHmmss}");
        for (var n = 2; Directory.Exists(folder); n++)
        {
            folder = Path.Combine(resultsRoot, $"{r.StartedAt:yyyyMMdd-HHmmss}-{n}");
        }
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "summary.md"), MarkdownReport.Render(r));
        await File.WriteAllTextAsync(Path.Combine(folder, "report.html"), HtmlReport.Render(r));
        await File.WriteAllTextAsync(Path.Combine(folder, "timeseries.csv"), Csv(r));
        await File.WriteAllTextAsync(Path.Combine(folder, "result.json"), JsonSerializer.Serialize(new
        {
            r.Scenario,
            r.StartedAt,
            DurationSeconds = r.Duration.TotalSeconds,
            r.Passed,
            Parameters = r.Parameters.ToDictionary(p => p.Key, p => p.Value),
            Checks = r.Checks.Select(c => new { c.Name, Verdict = c.Verdict, c.Detail }),
            Ratios = r.Ratios.Select(q => new { q.Name, q.Value, q.Numerator, q.NumeratorValue, q.Denominator, q.DenominatorValue }),
            Steps = r.Steps.Select(s => new
            {
                s.Name, s.Count, s.Ok, s.Refused, s.Errors, s.RatePerSecond, s.PeakPerSecond,
                P50Ms = s.P50 / 1000.0, P90Ms = s.P90 / 1000.0, P99Ms = s.P99 / 1000.0, MaxMs = s.Max / 1000.0, MeanMs = s.Mean / 1000.0,
                Outcomes = s.Outcomes.Select(o => new { o.Label, Kind = o.Kind.ToString(), o.Count }),
            }),
            Tallies = r.Tallies.ToDictionary(t => t.Name, t => t.Value),
            r.Notes,
            r.Machine,
        }, Json));
        return folder;
    }

    private static string Csv(RunResult r)
    {
        var names = r.Series.Names;
        var columns = names.Select(r.Series.Column).ToList();
        var seconds = r.Series.Seconds;
        var csv = new StringBuilder();
        csv.AppendLine("seconds," + string.Join(',', names.Select(n => "\"" + n.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"")));
        for (var i = 0; i < seconds.Count; i++)
        {
            csv.Append(seconds[i].ToString(CultureInfo.InvariantCulture));
            foreach (var column in columns)
            {
                csv.Append(',');
                if (i < column.Count && !double.IsNaN(column[i]))
                {
                    csv.Append(column[i].ToString("0.###", CultureInfo.InvariantCulture));
                }
            }
            csv.AppendLine();
        }
        return csv.ToString();
    }
}
