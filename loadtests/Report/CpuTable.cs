using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Report;

/// <summary>The columns of the CPU-per-answer table, shared by summary.md and report.html.</summary>
public static class CpuTable
{
    public const string Explanation =
        "\"rest\" is the machine's busy time outside the named processes (kernel threads, other tenants); "
        + "\"busy\" is the machine's busy share of all its cores";

    public static IReadOnlyList<string> Columns { get; } = [.. ProcessCpu.Processes, "rest", "all", "busy"];

    public static IEnumerable<string> Row(StepSummary step, int cores)
    {
        var cpu = step.Cpu!;
        string PerAnswer(double seconds) => (seconds * 1e6 / step.Count).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var process in ProcessCpu.Processes)
        {
            yield return PerAnswer(cpu.ByProcess.GetValueOrDefault(process));
        }
        yield return PerAnswer(cpu.Rest);
        yield return PerAnswer(Math.Max(cpu.MachineBusy, cpu.ByProcess.Values.Sum()));
        yield return cpu.Wall.TotalSeconds <= 0 ? "–" : $"{cpu.MachineBusy / (cpu.Wall.TotalSeconds * cores):0%}";
    }
}
