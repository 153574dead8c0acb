using System.Diagnostics;
using FlashSale.LoadTests.Report;
using FlashSale.LoadTests.Runner;

namespace FlashSale.Tests.LoadTests;

/// <summary>The benchmarks' CPU-per-answer table: /proc parsed right, processes told apart, the figures rendered.</summary>
public sealed class ProcessCpuTests
{
    [Fact]
    public void ParseStat_TakesUserPlusSystemTicksAndStartTime_EvenWhenTheNameHoldsSpacesAndParentheses()
    {
        const string stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194304 1000 0 0 0 1234 567 0 0 20 0 12 0 100 0 0";
        var (comm, ticks, started) = ProcessCpu.ParseStat(stat);
        Assert.Equal("a (b) c", comm);
        Assert.Equal(1234 + 567, ticks);
        Assert.Equal(100, started);
    }

    [Fact]
    public void ParseMachineBusy_CountsUserNiceSystemIrqSoftirq_NotIdleIowaitOrSteal()
    {
        Assert.Equal(100 + 2 + 30 + 5 + 6, ProcessCpu.ParseMachine("cpu  100 2 30 9000 400 5 6 70 0 0").Busy);
    }

    [Fact]
    public void ParseMachineSteal_ReadsTheEighthNumber()
    {
        Assert.Equal(70, ProcessCpu.ParseMachine("cpu  100 2 30 9000 400 5 6 70 0 0").Steal);
    }

    [Theory]
    [InlineData("postgres", "", ProcessCpu.Postgres)]
    [InlineData("redis-server", "", ProcessCpu.Redis)]
    [InlineData("dotnet", "dotnet\0FlashSale.WaitingRoom.dll\0--urls\0http://127.0.0.1:8080", ProcessCpu.Edge)]
    [InlineData("dotnet", "dotnet\0FlashSale.ClaimApi.dll", ProcessCpu.ClaimApi)]
    [InlineData("dotnet", "dotnet\0FlashSale.Admin.dll", ProcessCpu.Admin)]
    [InlineData("dotnet", "dotnet\0build", null)]
    [InlineData("bash", "bash", null)]
    public void Classify_NamesTheSystemsProcesses_AndNothingElse(string comm, string commandLine, string? expected)
    {
        Assert.Equal(expected, ProcessCpu.Classify(pid: 1, comm, () => commandLine));
    }

    [Fact]
    public void Classify_ThisProcess_IsTheGenerator()
    {
        Assert.Equal(ProcessCpu.Generator, ProcessCpu.Classify(Environment.ProcessId, "dotnet", () => "dotnet\0testhost.dll"));
    }

    [Fact]
    public void Read_SeesCpuThisProcessBurns()
    {
        var start = ProcessCpu.Read();
        Assert.NotNull(start);
        var watch = Stopwatch.StartNew();
        // Until the kernel's own count for this process has grown by 400 ms, not for 400 ms of wall time: on two
        // shared cores the spinning thread can be off the CPU for much of a wall-clock interval.
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        var spin = 0L;
        while (Process.GetCurrentProcess().TotalProcessorTime - before < TimeSpan.FromMilliseconds(400) && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            for (var i = 0; i < 100_000; i++)
            {
                spin++;
            }
        }
        var use = ProcessCpu.Read()!.Since(start, watch.Elapsed);
        Assert.True(spin > 0);
        // At least 400 ms, read in 10 ms ticks; other test threads may add to it, never take from it.
        Assert.InRange(use.ByProcess[ProcessCpu.Generator], 0.38, 60);
        Assert.True(use.MachineBusy >= use.ByProcess[ProcessCpu.Generator] - 0.05, $"machine {use.MachineBusy} s, generator {use.ByProcess[ProcessCpu.Generator]} s");
    }

    [Fact]
    public void Since_CountsEachProcessOwnDelta_AnExitedOneTakesNothingAway_ANewOneCountsWhole_EvenUnderAReusedPid()
    {
        var start = new CpuReading(new Dictionary<(int, long), (string, double)>
        {
            [(10, 1)] = (ProcessCpu.Postgres, 50.0), // exits during the step
            [(11, 1)] = (ProcessCpu.Postgres, 20.0),
            [(12, 1)] = (ProcessCpu.ClaimApi, 5.0),
        }, MachineBusy: 100, MachineSteal: 3);
        var end = new CpuReading(new Dictionary<(int, long), (string, double)>
        {
            [(11, 1)] = (ProcessCpu.Postgres, 21.5),
            [(12, 1)] = (ProcessCpu.ClaimApi, 7.0),
            [(13, 900)] = (ProcessCpu.Postgres, 0.25), // started during the step
            [(10, 950)] = (ProcessCpu.Postgres, 0.5), // a new process under the exited one's pid
        }, MachineBusy: 104.25, MachineSteal: 3.5);

        var use = end.Since(start, TimeSpan.FromSeconds(2));

        Assert.Equal(2.25, use.ByProcess[ProcessCpu.Postgres], 6);
        Assert.Equal(2.0, use.ByProcess[ProcessCpu.ClaimApi], 6);
        Assert.Equal(0.0, use.ByProcess[ProcessCpu.Redis]);
        Assert.Equal(0.0, use.Rest, 6);
        Assert.Equal(0.5, use.MachineSteal, 6);
    }

    [Fact]
    public void RecordCpu_AStepRunTwice_SumsBothRuns()
    {
        var metrics = new RunMetrics();
        CpuUse Use(double claimApi, double busy, double steal) =>
            new(TimeSpan.FromSeconds(1), new Dictionary<string, double> { [ProcessCpu.ClaimApi] = claimApi }, busy, steal);
        metrics.RecordCpu("warm-up", Use(0.5, 1.0, 0.5));
        metrics.RecordCpu("warm-up", Use(0.25, 0.75, 0.25));

        var sum = metrics.CpuOf("warm-up")!;

        Assert.Equal(TimeSpan.FromSeconds(2), sum.Wall);
        Assert.Equal(0.75, sum.ByProcess[ProcessCpu.ClaimApi], 6);
        Assert.Equal(1.75, sum.MachineBusy, 6);
        Assert.Equal(0.75, sum.MachineSteal, 6);
    }

    [Fact]
    public void Report_ShowsMicrosecondsPerAnswer_ByProcess()
    {
        var cpu = new CpuUse(TimeSpan.FromSeconds(2),
            ProcessCpu.Processes.ToDictionary(p => p, p => p == ProcessCpu.ClaimApi ? 0.5 : p == ProcessCpu.Generator ? 0.25 : 0.0), MachineBusy: 1.0, MachineSteal: 0.4);
        var step = new StepSummary("claim", 10_000, 0, 0, TimeSpan.FromSeconds(2), 1, 1, 1, 1, 1, []) { Cpu = cpu };

        var row = CpuTable.Row(step, cores: 2).ToList();

        Assert.Equal(CpuTable.Columns.Count, row.Count);
        Assert.Equal("25.0", row[Index(ProcessCpu.Generator)]);
        Assert.Equal("50.0", row[Index(ProcessCpu.ClaimApi)]);
        Assert.Equal("25.0", row[Index("rest")]);
        Assert.Equal("100.0", row[Index("all")]);
        Assert.Equal("25%", row[Index("busy")]);
        Assert.Equal("10%", row[Index("steal")]);
    }

    private static int Index(string column) => CpuTable.Columns.ToList().IndexOf(column);
}
