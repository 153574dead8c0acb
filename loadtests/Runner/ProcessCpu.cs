using System.Collections.Concurrent;
using System.Globalization;

namespace FlashSale.LoadTests.Runner;

/// <summary>CPU seconds used so far by each of the system's processes on this machine, and by the machine as a whole.</summary>
public sealed record CpuReading(IReadOnlyDictionary<(int Pid, long Started), (string Kind, double Seconds)> ByProcessId, double MachineBusy, double MachineSteal)
{
    /// <summary>
    /// Per process, so that one which exits meanwhile (a PostgreSQL backend, Redis's snapshot child) does not take its
    /// whole life's CPU out of the sum: its last moments land in "rest" instead. One that started meanwhile counts whole.
    /// </summary>
    public CpuUse Since(CpuReading start, TimeSpan wall)
    {
        var byProcess = ProcessCpu.Processes.ToDictionary(p => p, _ => 0.0);
        foreach (var (process, (kind, seconds)) in ByProcessId)
        {
            byProcess[kind] += seconds - (start.ByProcessId.TryGetValue(process, out var before) ? before.Seconds : 0);
        }
        return new CpuUse(wall, byProcess, MachineBusy - start.MachineBusy, MachineSteal - start.MachineSteal);
    }
}

/// <summary>
/// CPU seconds a step used, by process and on the whole machine, over its wall time; and the seconds the hypervisor gave
/// this machine's cores to other guests meanwhile (steal), which /proc counts as neither busy nor idle.
/// </summary>
public sealed record CpuUse(TimeSpan Wall, IReadOnlyDictionary<string, double> ByProcess, double MachineBusy, double MachineSteal)
{
    /// <summary>What the machine spent besides the processes named: the kernel's own threads, other tenants, exited processes.</summary>
    public double Rest => Math.Max(0, MachineBusy - ByProcess.Values.Sum());

    /// <summary>The named processes and the rest: the machine's busy time, or the processes' sum where ticks made that larger.</summary>
    public double All => ByProcess.Values.Sum() + Rest;

    public static CpuUse operator +(CpuUse a, CpuUse b) => new(
        a.Wall + b.Wall,
        a.ByProcess.Keys.Union(b.ByProcess.Keys).ToDictionary(k => k, k => a.ByProcess.GetValueOrDefault(k) + b.ByProcess.GetValueOrDefault(k)),
        a.MachineBusy + b.MachineBusy,
        a.MachineSteal + b.MachineSteal);
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
    internal const double TicksPerSecond = 100;

    private static readonly int Self = Environment.ProcessId;

    // A process's kind never changes, so its command line is read once, not at every reading; keyed with its start
    // time, so a pid the kernel hands to a new process is looked at afresh.
    private static readonly ConcurrentDictionary<(int Pid, long Started), string?> Kinds = new();

    public static CpuReading? Read()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }
        var byProcessId = new Dictionary<(int, long), (string, double)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var (comm, ticks, started) = ParseStat(File.ReadAllText(Path.Combine(dir, "stat")));
                var kind = Kinds.GetOrAdd((pid, started), static (key, c) => Classify(key.Pid, c, () => File.ReadAllText($"/proc/{key.Pid}/cmdline")), comm);
                if (kind is not null)
                {
                    byProcessId[(pid, started)] = (kind, ticks / TicksPerSecond);
                }
            }
            catch (IOException)
            {
                // Exited between listing and reading: its CPU leaves the sums (the report's "rest" column keeps it).
            }
        }
        var (busy, steal) = ParseMachine(File.ReadLines("/proc/stat").First());
        return new CpuReading(byProcessId, busy / TicksPerSecond, steal / TicksPerSecond);
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

    /// <summary>
    /// The command name, utime + stime (fields 14 and 15) and start time (field 22) of /proc/[pid]/stat; the name may
    /// hold spaces and parentheses.
    /// </summary>
    internal static (string Comm, long Ticks, long Started) ParseStat(string stat)
    {
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        var fields = stat[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state), so utime, stime and starttime are at 11, 12 and 19.
        long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
        return (stat[(open + 1)..close], Field(11) + Field(12), Field(19));
    }

    /// <summary>
    /// Busy and steal ticks of all cores from /proc/stat's first line. Busy: user, nice, system, irq and softirq (guest
    /// time is already in user), not idle or iowait. Steal: time this virtual machine's cores were ready to run and the
    /// hypervisor ran another guest, which counts as neither; a step that slows down while the machine looks idle shows it.
    /// </summary>
    internal static (double Busy, double Steal) ParseMachine(string cpuLine)
    {
        var f = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal
        return (f[0] + f[1] + f[2] + f[5] + f[6], f.Length > 7 ? f[7] : 0);
    }
}
