using System.Net;
using System.Text;
using FlashSale.LoadTests.Checks;
using static FlashSale.LoadTests.Report.Format;

namespace FlashSale.LoadTests.Report;

/// <summary>report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) with the charts over time and the tables.</summary>
public static class HtmlReport
{
    public static string Render(RunResult r)
    {
        var html = new StringBuilder();
        html.AppendLine("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine($"<title>FlashSale {E(r.Scenario)} {r.StartedAt:yyyy-MM-dd HH:mm}</title>");
        html.AppendLine("""
            <style>
            body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:960px;color:#222}
            table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}
            th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
            .PASS{color:#176f2c;font-weight:bold}.FAIL{color:#b00020;font-weight:bold}.SKIP{color:#777;font-weight:bold}
            svg{display:block;margin:10px 0 18px;border:1px solid #eee}
            </style></head><body>
            """);
        html.AppendLine($"<h1>FlashSale load test: {E(r.Scenario)}</h1>");
        html.AppendLine($"<p>Started {r.StartedAt:yyyy-MM-dd HH:mm:ss}Z, ran {Duration(r.Duration)}. {r.Machine.Cores} cores, {MachineInfo.Bytes(r.Machine.MemoryBytes)}; "
            + $"load generator peak {MachineInfo.Bytes(r.Machine.GeneratorPeakWorkingSetBytes)}.</p>");

        html.AppendLine("<h2>Correctness checks</h2>");
        if (r.Checks.Count == 0)
        {
            html.AppendLine("<p>This scenario has no correctness checks.</p>");
        }
        else
        {
            html.AppendLine("<table><tr><th>check</th><th>verdict</th><th>detail</th></tr>");
            foreach (var c in r.Checks)
            {
                html.AppendLine($"<tr><td>{E(c.Name)}</td><td class=\"{c.Verdict}\">{c.Verdict}</td><td>{E(c.Detail)}</td></tr>");
            }
            html.AppendLine("</table>");
        }

        html.AppendLine("<h2>Over time</h2>");
        var seconds = r.Series.Seconds;
        foreach (var chart in r.Charts)
        {
            var series = chart.Series.Where(name => r.Series.Names.Contains(name)).Select(name => (name, r.Series.Column(name))).ToList();
            html.AppendLine(SvgChart.Render(chart.Title, chart.Unit, seconds, series));
        }

        if (r.Ratios.Count > 0)
        {
            html.AppendLine("<h2>Ratios (both sides measured in this run)</h2><table><tr><th>ratio</th><th>value</th><th>numerator</th><th>denominator</th></tr>");
            foreach (var q in r.Ratios)
            {
                html.AppendLine($"<tr><td>{E(q.Name)}</td><td class=\"n\">{Ratio(q.Value)}</td><td>{E(q.Numerator)}: {N(q.NumeratorValue)}</td><td>{E(q.Denominator)}: {N(q.DenominatorValue)}</td></tr>");
            }
            html.AppendLine("</table>");
        }

        html.AppendLine("<h2>Steps</h2><p>Latency in milliseconds; rates over each step's active window.</p>");
        html.AppendLine("<table><tr><th>step</th><th>requests</th><th>ok</th><th>refused</th><th>errors</th><th>mean /s</th><th>peak /s</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>");
        foreach (var s in r.Steps)
        {
            html.AppendLine($"<tr><td>{E(s.Name)}</td>{Num(Count(s.Count))}{Num(Count(s.Ok))}{Num(Count(s.Refused))}{Num(Count(s.Errors))}{Num(N(s.RatePerSecond))}{Num(N(s.PeakPerSecond))}"
                + $"{Num(Ms(s.P50))}{Num(Ms(s.P90))}{Num(Ms(s.P99))}{Num(Ms(s.Max))}</tr>");
        }
        html.AppendLine("</table>");

        var measured = CpuTable.Steps(r);
        if (measured.Count > 0)
        {
            html.AppendLine($"<h2>CPU per answer, by process</h2><p>{E(CpuTable.Caption)}</p>");
            html.AppendLine($"<table><tr><th>step</th><th>answers</th>{string.Concat(CpuTable.Columns.Select(c => $"<th>{E(c)}</th>"))}</tr>");
            foreach (var s in measured)
            {
                html.AppendLine($"<tr><td>{E(s.Name)}</td>{Num(Count(s.Count))}{string.Concat(CpuTable.Row(s, r.Machine.Cores).Select(Num))}</tr>");
            }
            html.AppendLine("</table>");
        }

        html.AppendLine("<h2>Outcomes by step</h2><table><tr><th>step</th><th>outcome</th><th>kind</th><th>count</th></tr>");
        foreach (var s in r.Steps)
        {
            foreach (var o in s.Outcomes)
            {
                html.AppendLine($"<tr><td>{E(s.Name)}</td><td>{E(o.Label)}</td><td>{o.Kind.ToString().ToLowerInvariant()}</td>{Num(Count(o.Count))}</tr>");
            }
        }
        html.AppendLine("</table>");

        if (r.Tallies.Count > 0)
        {
            html.AppendLine("<h2>Tallies</h2><table>");
            foreach (var t in r.Tallies)
            {
                html.AppendLine($"<tr><td>{E(t.Name)}</td>{Num(E(t.Value))}</tr>");
            }
            html.AppendLine("</table>");
        }
        html.AppendLine("<h2>Parameters</h2><table>");
        foreach (var (name, value) in r.Parameters)
        {
            html.AppendLine($"<tr><td>{E(name)}</td><td>{E(value)}</td></tr>");
        }
        html.AppendLine("</table>");
        if (r.Notes.Count > 0)
        {
            html.AppendLine("<h2>Notes</h2><ul>");
            foreach (var note in r.Notes)
            {
                html.AppendLine($"<li>{E(note)}</li>");
            }
            html.AppendLine("</ul>");
        }
        html.AppendLine($"<p>{E(r.Machine.Os)}, {E(r.Machine.Runtime)}.</p></body></html>");
        return html.ToString();
    }

    private static string Num(string text) => $"<td class=\"n\">{text}</td>";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
