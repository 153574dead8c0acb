using System.Diagnostics;
using System.Security.Cryptography;
using FlashSale.LoadTests.Campaign;
using FlashSale.LoadTests.Cli;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Bench;

/// <summary>
/// What every focused benchmark opens with: its metrics and clock, an HTTP pool to the edges that has answered a
/// health check, a run tag, a session minter and the admin client, and the campaign set-up built from them.
/// </summary>
public sealed class BenchStart : IDisposable
{
    private BenchStart(LoadHttp http, string tag, SessionMinter minter, AdminClient admin)
    {
        Http = http;
        Tag = tag;
        Minter = minter;
        Admin = admin;
        Setup = new BenchSetup(http, admin, minter, Metrics, tag);
    }

    public RunMetrics Metrics { get; } = new();

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public long Origin { get; } = Stopwatch.GetTimestamp();

    public LoadHttp Http { get; }

    /// <summary><paramref name="tagPrefix"/> and six random hex digits: user ids and campaign names of this run.</summary>
    public string Tag { get; }

    public SessionMinter Minter { get; }

    public AdminClient Admin { get; }

    public BenchSetup Setup { get; }

    public static async Task<BenchStart> OpenAsync(Target target, string tagPrefix, int edges, int connections, bool http2, CancellationToken ct)
    {
        var http = new LoadHttp([.. target.Edges.Take(edges)], connections, http2, TimeSpan.FromSeconds(30));
        try
        {
            await Preflight.EdgesHealthyAsync(http, ct);
        }
        catch
        {
            http.Dispose();
            throw;
        }
        return new BenchStart(
            http, tagPrefix + RandomNumberGenerator.GetHexString(6, lowercase: true), new SessionMinter(target.Session, TimeSpan.FromHours(3)),
            new AdminClient(http.For(0), target.AdminKey));
    }

    public void Dispose() => Http.Dispose();
}
