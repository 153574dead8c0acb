using System.Globalization;
using System.Net;
using System.Text;

namespace FlashSale.LoadTests.Report;

/// <summary>A line chart as inline SVG: seconds on x, one polyline per series, gaps where a value is missing (NaN).</summary>
public static class SvgChart
{
    private const int Width = 920;
    private const int Height = 260;
    private const int Left = 70;
    private const int Right = 16;
    private const int Top = 28;
    private const int Bottom = 48;
    private const int LegendRow = 15;
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    public static string Render(string title, string unit, IReadOnlyList<double> seconds, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series)
    {
        var legend = Legend([.. series.Select(s => s.Name)]);
        var height = Height + (legend.Count == 0 ? 0 : legend.Max(l => l.Row)) * LegendRow;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {Width} {height}" width="{Width}" height="{height}" role="img">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="18" font-size="14" font-weight="bold">{Html(title)}</text>""");
        var values = series.SelectMany(s => s.Values).Where(v => !double.IsNaN(v) && !double.IsInfinity(v)).ToList();
        if (seconds.Count < 2 || values.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="{Height / 2}" font-size="12" fill="#666">no data</text></svg>""");
            return svg.ToString();
        }
        var xMax = Math.Max(1, seconds[^1]);
        var (yStep, yMax) = Ticks(values.Max());
        var plotBottom = Height - Bottom;
        double X(double s) => Left + s / xMax * (Width - Left - Right);
        double Y(double v) => plotBottom - v / yMax * (plotBottom - Top);

        for (var v = 0.0; v <= yMax + yStep / 2; v += yStep)
        {
            var y = Y(v);
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{Left}" x2="{Width - Right}" y1="{y:0.0}" y2="{y:0.0}" stroke="#ddd"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 6}" y="{y + 4:0.0}" font-size="11" text-anchor="end" fill="#444">{Label(v)}</text>""");
        }
        var xStep = Ticks(xMax, lines: 10).Step;
        for (var s = 0.0; s <= xMax + xStep / 100; s += xStep)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{X(s):0.0}" y="{plotBottom + 16}" font-size="11" text-anchor="middle" fill="#444">{s:0}s</text>""");
        }
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Width - Right}" y="18" font-size="11" text-anchor="end" fill="#444">{Html(unit)}</text>""");

        for (var k = 0; k < series.Count; k++)
        {
            var color = Colors[k % Colors.Length];
            var (name, column) = series[k];
            foreach (var segment in Segments(seconds, column))
            {
                var points = string.Join(' ', segment.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.S):0.0},{Y(p.V):0.0}")));
                svg.Append(CultureInfo.InvariantCulture, $"""<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{points}"/>""");
            }
            var (lx, row) = legend[k];
            var ly = plotBottom + 30 + row * LegendRow;
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{lx:0}" y="{ly - 4}" width="10" height="3" fill="{color}"/><text x="{lx + 14:0}" y="{ly}" font-size="11">{Html(name)}</text>""");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static IEnumerable<List<(double S, double V)>> Segments(IReadOnlyList<double> seconds, IReadOnlyList<double> values)
    {
        var current = new List<(double, double)>();
        for (var i = 0; i < seconds.Count && i < values.Count; i++)
        {
            if (double.IsNaN(values[i]) || double.IsInfinity(values[i]))
            {
                if (current.Count > 0)
                {
                    yield return current;
                    current = [];
                }
                continue;
            }
            current.Add((seconds[i], values[i]));
        }
        if (current.Count > 0)
        {
            yield return current;
        }
    }

    /// <summary>A grid step of 1, 2 or 5 times a power of ten giving at most <paramref name="lines"/> lines, and the top of the axis on a line.</summary>
    private static (double Step, double Max) Ticks(double max, int lines = 5)
    {
        if (max <= 0)
        {
            return (1, 1);
        }
        var rough = max / lines;
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1.0, 2, 5, 10 }.Select(m => m * power).First(s => s >= rough);
        return (step, step * Math.Ceiling(max / step));
    }

    /// <summary>Legend entries laid out left to right, wrapping to a new row rather than running off the chart.</summary>
    private static List<(double X, int Row)> Legend(List<string> names)
    {
        var placed = new List<(double, int)>();
        double x = Left;
        var row = 0;
        foreach (var name in names)
        {
            var width = 24 + name.Length * 6.2;
            if (x + width > Width - Right && x > Left)
            {
                row++;
                x = Left;
            }
            placed.Add((x, row));
            x += width;
        }
        return placed;
    }

    private static string Label(double v) => v switch
    {
        >= 1_000_000 => (v / 1_000_000).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 10_000 => (v / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        >= 10 => v.ToString("0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.##", CultureInfo.InvariantCulture),
    };

    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
