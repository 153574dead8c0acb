using System.Text;
using FlashSale.LoadTests.Runner;
using static FlashSale.LoadTests.Report.Format;

namespace FlashSale.LoadTests.Report;

/// <summary>summary.md: checks first (the verdict), then throughput and latency per step, ratios, outcomes by type, the machine.</summary>
public static class MarkdownReport
{
    public static string Render(RunResult r)
    {
        var md = new StringBuilder();
        md.AppendLine($"# FlashSale load test: `{r.Scenario}`");
        md.AppendLine();
        md.AppendLine($"Started {r.StartedAt:yyyy-MM-dd HH:mm:ss}Z, ran {Duration(r.Duration)}.");
        md.AppendLine();
        AppendChecks(md, r);
        AppendRatios(md, r);
        AppendSteps(md, r.Steps);
        AppendCpu(md, r);
        AppendOutcomes(md, r.Steps);
        if (r.Tallies.Count > 0)
        {
            md.AppendLine("## Tallies");
            md.AppendLine();
            md.AppendLine("| | |");
            md.AppendLine("| --- | ---: |");
            foreach (var t in r.Tallies)
            {
                md.AppendLine($"| {t.Name} | {t.Value} |");
            }
            md.AppendLine();
        }
        md.AppendLine("## Parameters");
        md.AppendLine();
        md.AppendLine("| parameter | value |");
        md.AppendLine("| --- | --- |");
        foreach (var (name, value) in r.Parameters)
        {
            md.AppendLine($"| {name} | {value} |");
        }
        md.AppendLine();
        var m = r.Machine;
        md.AppendLine("## Machine");
        md.AppendLine();
        md.AppendLine($"- {m.Cores} cores, {MachineInfo.Bytes(m.MemoryBytes)} memory, {m.Os}, {m.Runtime}");
        md.AppendLine($"- load generator (this process): peak working set {MachineInfo.Bytes(m.GeneratorPeakWorkingSetBytes)}, "
            + $"GC heap at the end {MachineInfo.Bytes(m.GeneratorGcHeapBytes)}, CPU {Duration(m.GeneratorCpu)}, gen-2 collections {m.Gen2Collections}");
        md.AppendLine("- the system under test runs on the same machine, so the generator's CPU is taken from it");
        md.AppendLine();
        if (r.Notes.Count > 0)
        {
            md.AppendLine("## Notes");
            md.AppendLine();
            foreach (var note in r.Notes)
            {
                md.AppendLine($"- {note}");
            }
            md.AppendLine();
        }
        return md.ToString();
    }

    private static void AppendChecks(StringBuilder md, RunResult r)
    {
        md.AppendLine("## Correctness checks");
        md.AppendLine();
        if (r.Checks.Count == 0)
        {
            md.AppendLine("This scenario has no correctness checks.");
            md.AppendLine();
            return;
        }
        md.AppendLine("| check | verdict | detail |");
        md.AppendLine("| --- | :---: | --- |");
        foreach (var c in r.Checks)
        {
            md.AppendLine($"| {c.Name} | **{c.Verdict}** | {Escape(c.Detail)} |");
        }
        md.AppendLine();
        var failed = r.Checks.Count(c => c.Status == Checks.CheckStatus.Fail);
        md.AppendLine(failed == 0 ? "**All checks passed.**" : $"**{failed} check(s) FAILED.**");
        md.AppendLine();
    }

    private static void AppendRatios(StringBuilder md, RunResult r)
    {
        if (r.Ratios.Count == 0)
        {
            return;
        }
        md.AppendLine("## Ratios (both sides measured in this run)");
        md.AppendLine();
        md.AppendLine("| ratio | value | numerator | denominator |");
        md.AppendLine("| --- | ---: | --- | --- |");
        foreach (var q in r.Ratios)
        {
            md.AppendLine($"| {q.Name} | {Ratio(q.Value)} | {q.Numerator}: {N(q.NumeratorValue)} | {q.Denominator}: {N(q.DenominatorValue)} |");
        }
        md.AppendLine();
    }

    private static void AppendSteps(StringBuilder md, IReadOnlyList<StepSummary> steps)
    {
        if (steps.Count == 0)
        {
            return;   // token-cost times code in-process: no requests, so no step table
        }
        md.AppendLine("## Steps");
        md.AppendLine();
        md.AppendLine("Rates are over each step's active window (first to last answer); latency in milliseconds.");
        md.AppendLine();
        md.AppendLine("| step | requests | ok | refused | errors | mean /s | peak /s | p50 | p90 | p99 | max |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in steps)
        {
            md.AppendLine($"| {s.Name} | {Count(s.Count)} | {Count(s.Ok)} | {Count(s.Refused)} | {Count(s.Errors)} | {N(s.RatePerSecond)} | {N(s.PeakPerSecond)} "
                + $"| {Ms(s.P50)} | {Ms(s.P90)} | {Ms(s.P99)} | {Ms(s.Max)} |");
        }
        md.AppendLine();
    }

    private static void AppendCpu(StringBuilder md, RunResult r)
    {
        var measured = CpuTable.Steps(r);
        if (measured.Count == 0)
        {
            return;
        }
        md.AppendLine("## CPU per answer, by process");
        md.AppendLine();
        md.AppendLine(CpuTable.Caption);
        md.AppendLine();
        md.AppendLine($"| step | answers | {string.Join(" | ", CpuTable.Columns)} |");
        md.AppendLine($"| --- | ---: |{string.Concat(Enumerable.Repeat(" ---: |", CpuTable.Columns.Count))}");
        foreach (var s in measured)
        {
            md.AppendLine($"| {s.Name} | {Count(s.Count)} | {string.Join(" | ", CpuTable.Row(s, r.Machine.Cores))} |");
        }
        md.AppendLine();
    }

    private static void AppendOutcomes(StringBuilder md, IReadOnlyList<StepSummary> steps)
    {
        if (steps.Count == 0)
        {
            return;
        }
        md.AppendLine("## Outcomes by step (status and problem type)");
        md.AppendLine();
        md.AppendLine("\"refused\" is an answer the contract allows at that point (410 sold-out to a late claim, 401 to a bot); \"error\" is anything else.");
        md.AppendLine();
        md.AppendLine("| step | outcome | kind | count |");
        md.AppendLine("| --- | --- | --- | ---: |");
        foreach (var s in steps)
        {
            foreach (var o in s.Outcomes)
            {
                md.AppendLine($"| {s.Name} | {o.Label} | {o.Kind.ToString().ToLowerInvariant()} | {Count(o.Count)} |");
            }
        }
        md.AppendLine();
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
