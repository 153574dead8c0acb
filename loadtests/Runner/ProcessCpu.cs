using System.Collections.Concurrent;
using System.Globalization;

namespace FlashSale.LoadTests.Runner;

/// <summary>CPU seconds used so far by each of the system's processes on this machine, and by the machine as a whole.</summary>
public sealed record CpuReading(IReadOnlyDictionary<int, (string Kind, double Seconds)> ByPid, double MachineBusy)
{
    /// <summary>
    /// Per process, so that one which exits meanwhile (a PostgreSQL backend, Redis's snapshot child) does not take its
    /// whole life's CPU out of the sum: its last moments land in "rest" instead. One that started meanwhile counts whole.
    /// </summary>
    public CpuUse Since(CpuReading start, TimeSpan wall)
    {
        var byProcess = ProcessCpu.Processes.ToDictionary(p => p, _ => 0.0);
        foreach (var (pid, (kind, seconds)) in ByPid)
        {
            byProcess[kind] += seconds - (start.ByPid.TryGetValue(pid, out var before) && before.Kind == kind ? before.Seconds : 0);
        }
        return new CpuUse(wall, byProcess, MachineBusy - start.MachineBusy);
    }
}

/// <summary>CPU seconds a step used, by process and on the whole machine, over its wall time.</summary>
public sealed record CpuUse(TimeSpan Wall, IReadOnlyDictionary<string, double> ByProcess, double MachineBusy)
{
    /// <summary>What the machine spent besides the processes named: the kernel's own threads, other tenants, exited processes.</summary>
    public double Rest => Math.Max(0, MachineBusy - ByProcess.Values.Sum());

    public static CpuUse operator +(CpuUse a, CpuUse b) => new(
        a.Wall + b.Wall,
        a.ByProcess.Keys.Union(b.ByProcess.Keys).ToDictionary(k => k, k => a.ByProcess.GetValueOrDefault(k) + b.ByProcess.GetValueOrDefault(k)),
        a.MachineBusy + b.MachineBusy);
}

/// <summary>
/// Reads /proc: the generator, the edge, ClaimApi, Admin, PostgreSQL and Redis all share this machine's cores, so where
/// a step's CPU went explains its throughput better than the throughput alone. Linux only; elsewhere there is no reading.
/// </summary>
public static class ProcessCpu
{
    public const string Generator = "generator";
    public const string Edge = "edge";
    public const string ClaimApi = "ClaimApi";
    public const string Admin = "Admin";
    public const string Postgres = "PostgreSQL";
    public const string Redis = "Redis";
    public static readonly string[] Processes = [Generator, Edge, ClaimApi, Admin, Postgres, Redis];

    /// <summary>USER_HZ, the unit of /proc's CPU times: 100 on every Linux build .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    private static readonly int Self = Environment.ProcessId;

    // A process's kind never changes, so its command line is read once, not at every reading.
    private static readonly ConcurrentDictionary<int, string?> Kinds = new();

    public static CpuReading? Read()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }
        var byPid = new Dictionary<int, (string, double)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var (comm, ticks) = ParseStat(File.ReadAllText(Path.Combine(dir, "stat")));
                var kind = Kinds.GetOrAdd(pid, static (id, c) => Classify(id, c, () => File.ReadAllText($"/proc/{id}/cmdline")), comm);
                if (kind is not null)
                {
                    byPid[pid] = (kind, ticks / TicksPerSecond);
                }
            }
            catch (IOException)
            {
                // Exited between listing and reading: its CPU leaves the sums (the report's "rest" column keeps it).
            }
        }
        return new CpuReading(byPid, ParseMachineBusy(File.ReadLines("/proc/stat").First()) / TicksPerSecond);
    }

    internal static string? Classify(int pid, string comm, Func<string> commandLine)
    {
        if (pid == Self)
        {
            return Generator;
        }
        switch (comm)
        {
            case "postgres":
                return Postgres;
            case "redis-server":
                return Redis;
            case not "dotnet":
                return null;
        }
        var args = commandLine();
        return args.Contains("FlashSale.WaitingRoom", StringComparison.Ordinal) ? Edge
            : args.Contains("FlashSale.ClaimApi", StringComparison.Ordinal) ? ClaimApi
            : args.Contains("FlashSale.Admin", StringComparison.Ordinal) ? Admin
            : null;
    }

    /// <summary>The command name and utime + stime (fields 14 and 15) of /proc/[pid]/stat; the name may hold spaces and parentheses.</summary>
    internal static (string Comm, long Ticks) ParseStat(string stat)
    {
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        var fields = stat[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state), so utime and stime are at 11 and 12.
        return (stat[(open + 1)..close], long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Busy ticks of all cores from /proc/stat's first line: user, nice, system, irq and softirq (guest time is already in
    /// user). Not idle or iowait, and not steal, which is the hypervisor running someone else.
    /// </summary>
    internal static double ParseMachineBusy(string cpuLine)
    {
        var f = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq
        return f[0] + f[1] + f[2] + f[5] + f[6];
    }
}
