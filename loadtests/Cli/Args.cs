using System.Globalization;

namespace FlashSale.LoadTests.Cli;

/// <summary>`scenario --name value --flag` parsed once; every option read is marked, so a misspelt one is reported, not ignored.</summary>
public sealed class Args
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> read = new(StringComparer.Ordinal);

    private Args(string scenario) => Scenario = scenario;

    public string Scenario { get; }

    public static Args Parse(IReadOnlyList<string> args)
    {
        var parsed = new Args(args.Count > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "");
        for (var i = parsed.Scenario.Length > 0 ? 1 : 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }
            var name = arg[2..];
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                parsed.values[name[..eq]] = name[(eq + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                parsed.values[name] = args[++i];
            }
            else
            {
                parsed.values[name] = null;
            }
        }
        return parsed;
    }

    public bool Has(string name)
    {
        read.Add(name);
        return values.ContainsKey(name);
    }

    public bool Flag(string name) => Has(name) && values[name] is null or "true" or "1" or "yes";

    public string String(string name, string fallback) => Has(name) ? values[name] ?? throw new UsageException($"--{name} needs a value") : fallback;

    public string? Optional(string name) => Has(name) ? values[name] ?? throw new UsageException($"--{name} needs a value") : null;

    /// <summary>Integers may be written 2000000, 2,000,000, 2_000_000, 2M or 20k.</summary>
    public int Int(string name, int fallback) =>
        !Has(name) ? fallback
        : values[name] is { } written ? WholeNumber(name, written.Replace(",", "", StringComparison.Ordinal), written)
        : throw new UsageException($"--{name} needs a value");

    /// <summary>A list of integers separated by commas, each written as <see cref="Int"/> takes it but without thousands commas.</summary>
    public IReadOnlyList<int> Ints(string name, IReadOnlyList<int> fallback) =>
        !Has(name) ? fallback
        : [.. (values[name] ?? throw new UsageException($"--{name} needs a value"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => WholeNumber(name, n, n))];

    /// <summary>One integer, <paramref name="shown"/> as the user wrote it for the error.</summary>
    private static int WholeNumber(string name, string number, string shown)
    {
        var text = number.Replace("_", "", StringComparison.Ordinal);
        var scale = 1;
        if (text.EndsWith('k') || text.EndsWith('K'))
        {
            scale = 1_000;
            text = text[..^1];
        }
        else if (text.EndsWith('M'))
        {
            scale = 1_000_000;
            text = text[..^1];
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v * scale is >= int.MinValue and <= int.MaxValue
            ? (int)Math.Round(v * scale)
            : throw new UsageException($"--{name}: '{shown}' is not a whole number");
    }

    /// <summary>A share, written 0.05 or 5%.</summary>
    public double Share(string name, double fallback)
    {
        if (!Has(name))
        {
            return fallback;
        }
        var text = values[name] ?? throw new UsageException($"--{name} needs a value");
        var percent = text.EndsWith('%');
        return double.TryParse(percent ? text[..^1] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? percent ? v / 100 : v
            : throw new UsageException($"--{name}: '{text}' is not a number");
    }

    public double Double(string name, double fallback) => !Has(name) ? fallback
        : double.TryParse(values[name], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
        : throw new UsageException($"--{name}: '{values[name]}' is not a number");

    /// <summary>Options given but never read by the scenario: almost always a typo.</summary>
    public IEnumerable<string> Unread() => values.Keys.Where(k => !read.Contains(k));
}

public sealed class UsageException(string message) : Exception(message);
