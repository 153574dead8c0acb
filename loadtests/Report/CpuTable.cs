using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Report;

/// <summary>The columns of the CPU-per-answer table, shared by summary.md and report.html.</summary>
public static class CpuTable
{
    public const string Caption =
        "Microseconds of CPU per answer while each step ran, read from /proc (\"rest\" is the machine's busy time outside "
        + "the named processes (kernel threads, other tenants); \"busy\" is the machine's busy share of all its cores; \"steal\" "
        + "the share the hypervisor gave to other virtual machines, which shows as neither).";

    /// <summary>The steps the table has a row for: those whose CPU was measured and that answered something.</summary>
    public static IReadOnlyList<StepSummary> Steps(RunResult r) => [.. r.Steps.Where(s => s.Cpu is not null && s.Count > 0)];

    public static IReadOnlyList<string> Columns { get; } = [.. ProcessCpu.Processes, "rest", "all", "busy", "steal"];

    public static IEnumerable<string> Row(StepSummary step, int cores)
    {
        var cpu = step.Cpu!;
        string PerAnswer(double seconds) => (seconds * 1e6 / step.Count).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var process in ProcessCpu.Processes)
        {
            yield return PerAnswer(cpu.ByProcess.GetValueOrDefault(process));
        }
        yield return PerAnswer(cpu.Rest);
        yield return PerAnswer(cpu.All);
        yield return Share(cpu.MachineBusy);
        yield return Share(cpu.MachineSteal);

        string Share(double seconds) => cpu.Wall.TotalSeconds <= 0 ? "–" : $"{seconds / (cpu.Wall.TotalSeconds * cores):0%}";
    }
}
