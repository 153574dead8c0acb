using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FlashSale.LoadTests.Report;

/// <summary>The machine a run measured, and what the load generator itself cost on it (its own peak memory).</summary>
public sealed record MachineInfo(
    int Cores,
    long MemoryBytes,
    string Os,
    string Runtime,
    long GeneratorPeakWorkingSetBytes,
    long GeneratorGcHeapBytes,
    TimeSpan GeneratorCpu,
    int Gen2Collections)
{
    public static MachineInfo Capture()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return new MachineInfo(
            Environment.ProcessorCount,
            TotalMemory(),
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            self.PeakWorkingSet64,
            GC.GetGCMemoryInfo().HeapSizeBytes,
            self.TotalProcessorTime,
            GC.CollectionCount(2));
    }

    private static long TotalMemory()
    {
        // MemTotal is the machine; the GC's figure is this process's limit, which a container may lower.
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kb))
            {
                return kb * 1024;
            }
        }
        catch (IOException)
        {
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    public static string Bytes(long bytes) => bytes >= 1L << 30
        ? $"{bytes / (double)(1L << 30):0.0} GiB"
        : $"{bytes / (double)(1L << 20):0} MiB";
}
