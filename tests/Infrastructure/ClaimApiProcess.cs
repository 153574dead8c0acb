using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FlashSale.Tests.Infrastructure;

/// <summary>
/// A ClaimApi in its own OS process, built by the same solution build, so a test can kill -9 it mid-storm:
/// the one failure an in-process host cannot show.
/// </summary>
public sealed class ClaimApiProcess : IAsyncDisposable
{
    private readonly Process process;

    private ClaimApiProcess(Process process, Uri url, string instanceId)
    {
        this.process = process;
        Url = url;
        InstanceId = instanceId;
    }

    public Uri Url { get; }
    public string InstanceId { get; }

    public static async Task<ClaimApiProcess> StartAsync(params string[] extraArgs)
    {
        var dll = Path.Combine(RepoRoot(), "ClaimApi", "bin", BuildConfiguration, "net10.0", "FlashSale.ClaimApi.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first");
        var port = FreePort();
        var instanceId = $"proc-{port}-{Guid.NewGuid():N}";
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in FlashSaleSystem.CommonArgs([$"--ClaimApi:InstanceId={instanceId}", .. extraArgs]).Prepend(dll))
        {
            start.ArgumentList.Add(arg.Replace("http://127.0.0.1:0", $"http://127.0.0.1:{port}", StringComparison.Ordinal));
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var url = new Uri($"http://127.0.0.1:{port}/");
        using var probe = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await probe.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return new ClaimApiProcess(process, url, instanceId);
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException("ClaimApi process did not become healthy");
    }

    /// <summary>SIGKILL: no graceful stop, no units returned, no in-flight batch finished.</summary>
    public void KillHard()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FlashSale.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("FlashSale.sln not found above the test binaries");
    }

    private static string BuildConfiguration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
