namespace FlashSale.LoadTests.Runner;

/// <summary>
/// One row per second: seconds since the start of the run and one value per named series (NaN when a probe could
/// not be read). Series appear as they are first seen; earlier rows read as NaN for them.
/// </summary>
public sealed class TimeSeries
{
    private readonly List<double> seconds = [];
    private readonly Dictionary<string, List<double>> columns = [];
    private readonly List<string> names = [];
    private readonly Lock gate = new();

    public IReadOnlyList<double> Seconds
    {
        get
        {
            lock (gate)
            {
                return [.. seconds];
            }
        }
    }

    public IReadOnlyList<string> Names
    {
        get
        {
            lock (gate)
            {
                return [.. names];
            }
        }
    }

    public void Add(double at, IReadOnlyDictionary<string, double> values)
    {
        lock (gate)
        {
            seconds.Add(at);
            foreach (var (name, value) in values)
            {
                if (!columns.TryGetValue(name, out var column))
                {
                    column = [.. Enumerable.Repeat(double.NaN, seconds.Count - 1)];
                    columns[name] = column;
                    names.Add(name);
                }
                column.Add(value);
            }
            foreach (var column in columns.Values)
            {
                if (column.Count < seconds.Count)
                {
                    column.Add(double.NaN);
                }
            }
        }
    }

    public IReadOnlyList<double> Column(string name)
    {
        lock (gate)
        {
            return columns.TryGetValue(name, out var column) ? [.. column] : [];
        }
    }

    public double Max(string name) => Column(name).Where(v => !double.IsNaN(v)).DefaultIfEmpty(0).Max();
}
