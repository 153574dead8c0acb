using System.Diagnostics;
using Npgsql;

namespace FlashSale.Tests.Infrastructure;

/// <summary>
/// Stops and restarts the PostgreSQL cluster that `./flashsale test` started (under .data/pg), with the options it
/// was started with (PostgreSQL records them in postmaster.opts).
/// </summary>
public static class PostgresControl
{
    public static async Task StopAsync()
    {
        var (_, ctl, data, _) = Locate();
        await RunAsync("runuser", "-u", "postgres", "--", ctl, "-D", data, "-m", "fast", "-w", "stop");
    }

    public static async Task StartAsync()
    {
        var (_, ctl, data, options) = Locate();
        await RunAsync("runuser", "-u", "postgres", "--", ctl, "-D", data, "-w", "-t", "60", "-l", Path.Combine(data, "server.log"), "-o", options, "start");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var conn = new NpgsqlConnection(FlashSaleSystem.Postgres);
                await conn.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static (string Bin, string Ctl, string Data, string Options) Locate()
    {
        var data = new DirectoryInfo(Path.Combine(ClaimApiProcess.RepoRoot(), ".data", "pg"));
        var real = data.LinkTarget is { } target ? target : data.FullName;
        var opts = File.ReadAllText(Path.Combine(real, "postmaster.opts")).Trim();
        // postmaster.opts: /usr/lib/postgresql/15/bin/postgres "-D" "/path" "-p" "5440" ...
        var bin = Path.GetDirectoryName(opts.Split(' ')[0])!;
        var args = opts[(opts.IndexOf(' ') + 1)..].Split("\" \"").Select(a => a.Trim('"')).ToList();
        var d = args.IndexOf("-D");
        if (d >= 0)
        {
            args.RemoveRange(d, 2);
        }
        var options = string.Join(' ', args.Select(a => a.Contains(' ') ? $"'{a}'" : a));
        return (bin, Path.Combine(bin, "pg_ctl"), real, options);
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        args.ToList().ForEach(start.ArgumentList.Add);
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} failed: {await stderr}");
    }
}
