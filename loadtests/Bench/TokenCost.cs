using System.Diagnostics;
using System.Security.Cryptography;
using FlashSale.LoadTests.Cli;
using FlashSale.LoadTests.Report;
using FlashSale.LoadTests.Runner;
using FlashSale.Shared.Tokens;
using Microsoft.Extensions.Options;
using static FlashSale.LoadTests.Report.Format;

namespace FlashSale.LoadTests.Bench;

public sealed record TokenCostOptions
{
    /// <summary>Timed samples per operation; the median of their µs/op is the figure.</summary>
    public int Samples { get; init; } = 31;

    /// <summary>Length of one sample: long enough to hide the timer, short enough that a neighbour's burst spoils one sample, not the median.</summary>
    public int SampleMilliseconds { get; init; } = 100;

    public int WarmupMilliseconds { get; init; } = 1_000;

    /// <summary>The core the process is pinned to; -1 leaves it unpinned.</summary>
    public int Core { get; init; }
}

/// <summary>One operation's samples.</summary>
public sealed record TokenOpCost(string Algorithm, string Operation, double MedianMicros, double P10Micros, double P90Micros, long Ops)
{
    public double PerSecond => 1e6 / MedianMicros;
}

/// <summary>
/// token-cost: what an admission token costs on one core, signed as the edge signs it and checked as ClaimApi checks
/// it (Shared's AdmissionTokens over JwtCodec, the code the services run), HS256 against ES256. No system needed.
/// </summary>
public static class TokenCost
{
    public const string Name = "token-cost";

    // Distinct tokens, cycled, so nothing a library might cache about one token string flatters the verify figure.
    private const int TokenPool = 1024;

    public static async Task<RunResult> RunAsync(TokenCostOptions o, Target target, CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var origin = Stopwatch.GetTimestamp();
        var pinned = Pin(o.Core);
        var clock = TimeProvider.System;

        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var hsOptions = new AdmissionTokenOptions { Keys = [new SigningKeyOptions { Kid = "bench-hs", Secret = secret }] };
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var edge = new AdmissionTokenOptions { Algorithm = TokenOptions.ES256, Keys = [new SigningKeyOptions { Kid = "bench-es", PrivateKeyPem = ec.ExportPkcs8PrivateKeyPem() }] };
        var claimApi = new AdmissionTokenOptions { Algorithm = TokenOptions.ES256, Keys = [new SigningKeyOptions { Kid = "bench-es", PublicKeyPem = ec.ExportSubjectPublicKeyInfoPem() }] };

        var results = new List<TokenOpCost>();
        foreach (var (algorithm, signerOptions, verifierOptions) in new[] { (TokenOptions.HS256, hsOptions, hsOptions), (TokenOptions.ES256, edge, claimApi) })
        {
            var signer = new AdmissionTokens(Options.Create(signerOptions), clock);
            var verifier = new AdmissionTokens(Options.Create(verifierOptions), clock);
            var ttl = TimeSpan.FromHours(1);
            var tokens = Enumerable.Range(0, TokenPool).Select(i => signer.Issue($"bench-user-{i}", "c_bench", ttl).Token).ToArray();
            if ((await verifier.ValidateAsync(tokens[0])).Error is { } error)
            {
                throw new InvalidOperationException($"{algorithm}: a token the signer issued does not verify: {error}");
            }
            results.Add(await MeasureAsync(algorithm, "sign (edge: AdmissionTokens.Issue)", o, () =>
            {
                signer.Issue("bench-user", "c_bench", ttl);
                return Task.CompletedTask;
            }, ct));
            var next = 0;
            results.Add(await MeasureAsync(algorithm, "verify (ClaimApi: AdmissionTokens.ValidateAsync)", o, async () =>
            {
                if ((await verifier.ValidateAsync(tokens[next++ & (TokenPool - 1)])).Admission is null)
                {
                    throw new InvalidOperationException($"{algorithm}: a valid token was refused during the run.");
                }
            }, ct));
        }

        Console.Error.WriteLine();
        Console.Error.WriteLine($"| algorithm | operation | median µs/op | ops/s (one core) | p10–p90 µs |");
        Console.Error.WriteLine($"| --- | --- | ---: | ---: | --- |");
        foreach (var r in results)
        {
            Console.Error.WriteLine($"| {r.Algorithm} | {r.Operation} | {Micros(r.MedianMicros)} | {Count((long)r.PerSecond)} | {Micros(r.P10Micros)}–{Micros(r.P90Micros)} |");
        }

        TokenOpCost Find(string algorithm, string operation) => results.First(r => r.Algorithm == algorithm && r.Operation.StartsWith(operation, StringComparison.Ordinal));
        var result = new RunResult(Name, startedAt, Stopwatch.GetElapsedTime(origin),
            [
                new("samples per operation", Count(o.Samples)), new("sample length", $"{o.SampleMilliseconds} ms"), new("warm-up", $"{o.WarmupMilliseconds} ms"),
                new("pinned to", pinned), new("token", "admission JWT: sub, cid, jti, iss, aud, iat, exp; kid in the header"),
                new("ES256 verifier", "public key only, as ClaimApi holds it"), new("distinct tokens verified in turn", Count(TokenPool)),
            ],
            [], [],
            [
                new("ES256 verify ÷ HS256 verify (µs per op)", "ES256", Find("ES256", "verify").MedianMicros, "HS256", Find("HS256", "verify").MedianMicros),
                new("ES256 sign ÷ HS256 sign (µs per op)", "ES256", Find("ES256", "sign").MedianMicros, "HS256", Find("HS256", "sign").MedianMicros),
            ],
            [.. results.Select(r => new Tally($"{r.Algorithm} {r.Operation}: median µs/op (ops/s on one core; p10–p90 µs)",
                $"{Micros(r.MedianMicros)} µs ({Count((long)r.PerSecond)}/s; {Micros(r.P10Micros)}–{Micros(r.P90Micros)})"))],
            [
                "Each sample runs the operation back to back on one thread for the sample length; the figure is the median sample's µs per operation, ops/s its inverse.",
                "Sign includes the jti's random bytes and the JSON of the claims, as the edge issues a token; verify parses, checks the signature, issuer, audience and lifetime, and reads the claims, as ClaimApi does on every claim.",
                "The machine is shared: other processes' load shows in the p10–p90 spread more than in the median.",
            ],
            new TimeSeries(), [], MachineInfo.Capture());
        return result with { ReportFolder = await ReportWriter.WriteAsync(result, target.ResultsRoot) };
    }

    private static async Task<TokenOpCost> MeasureAsync(string algorithm, string operation, TokenCostOptions o, Func<Task> op, CancellationToken ct)
    {
        Console.Error.WriteLine($"[{Name}] {algorithm} {operation}: warming up, then {o.Samples} samples of {o.SampleMilliseconds} ms");
        await RunForAsync(op, TimeSpan.FromMilliseconds(o.WarmupMilliseconds), ct);
        var perOp = new double[o.Samples];
        long total = 0;
        for (var i = 0; i < o.Samples; i++)
        {
            var (ops, elapsed) = await RunForAsync(op, TimeSpan.FromMilliseconds(o.SampleMilliseconds), ct);
            perOp[i] = elapsed.TotalMicroseconds / ops;
            total += ops;
        }
        Array.Sort(perOp);
        return new TokenOpCost(algorithm, operation, Quantile(perOp, 0.5), Quantile(perOp, 0.1), Quantile(perOp, 0.9), total);
    }

    /// <summary>Runs <paramref name="op"/> in batches of 16 between clock reads until <paramref name="length"/> has passed.</summary>
    private static async Task<(long Ops, TimeSpan Elapsed)> RunForAsync(Func<Task> op, TimeSpan length, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var until = start + (long)(length.TotalSeconds * Stopwatch.Frequency);
        long ops = 0;
        long now;
        do
        {
            ct.ThrowIfCancellationRequested();
            for (var i = 0; i < 16; i++)
            {
                await op();
            }
            ops += 16;
            now = Stopwatch.GetTimestamp();
        }
        while (now < until);
        return (ops, Stopwatch.GetElapsedTime(start, now));
    }

    private static double Quantile(double[] sorted, double q) => sorted[(int)Math.Round(q * (sorted.Length - 1))];

    /// <summary>One core, so the figure is per core whatever the machine; the whole process, GC threads included.</summary>
    private static string Pin(int core)
    {
        if (core < 0)
        {
            return "not pinned";
        }
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsWindows())
        {
            return "not pinned (affinity unsupported here)";
        }
        using var self = Process.GetCurrentProcess();
        self.ProcessorAffinity = (IntPtr)(1L << core);
        return $"core {core} (whole process)";
    }
}
