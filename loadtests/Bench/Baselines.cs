using System.Diagnostics;
using System.Text.Json;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Bench;

/// <summary>
/// The floors every ratio is measured against, in the same run: GET /healthz on the edge (Kestrel and the
/// generator, nothing else) and a no-op through edge → ClaimApi (the proxy hop, nothing of the claim).
/// </summary>
public static class Baselines
{
    public const string Healthz = "baseline: GET /healthz (edge)";
    public const string NoOp = "baseline: no-op edge → ClaimApi";
    public const string NoOpDirect = "baseline: no-op straight to ClaimApi";

    public static Task<ScenarioRun> HealthzAsync(LoadHttp http, RunMetrics metrics, int copies, TimeSpan during, CancellationToken ct, string step = Healthz) =>
        GetAsync(step, "/healthz", http, metrics, copies, during, ct);

    /// <summary>
    /// The no-op ClaimApi maps when its bench endpoints are on (Development), `POST /api/bench/noop` by default. It is
    /// sent with <paramref name="bearer"/> (an admission token) so the request is as large as a claim, and answers a
    /// body the size of a claim's; <paramref name="step"/> names it (through the edge, or straight to ClaimApi). The
    /// generator reads each answer as it reads a claim's (the body kept and parsed as a coupon), so that the two steps
    /// differ only in what the servers do: when it was dropped unread, the generator spent 5–6 µs less per no-op.
    /// </summary>
    public static Task<ScenarioRun> NoOpAsync(HttpMethod method, string path, string? bearer, LoadHttp http, RunMetrics metrics, int copies, TimeSpan during, CancellationToken ct, string step = NoOp) =>
        SendAsync(step, method, path, http, metrics, copies, during, ct, bearer, readAsClaim: true);

    private static Task<ScenarioRun> GetAsync(string step, string path, LoadHttp http, RunMetrics metrics, int copies, TimeSpan during, CancellationToken ct) =>
        SendAsync(step, HttpMethod.Get, path, http, metrics, copies, during, ct);

    private static async Task<ScenarioRun> SendAsync(
        string step, HttpMethod method, string path, LoadHttp http, RunMetrics metrics, int copies, TimeSpan during, CancellationToken ct, string? bearer = null, bool readAsClaim = false)
    {
        long unreadable = 0;
        var scenario = new Scenario(step, async ctx =>
        {
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(ctx.Iteration), LoadHttp.Request(method, path, bearer), readAsClaim, ctx.Cancellation);
            ctx.Metrics.Step(step).Record(started, reply.ToOutcome());
            if (readAsClaim && reply.Body is { } body && JsonSerializer.Deserialize(body, LoadJson.Default.ClaimReply)?.CouponCode is null)
            {
                Interlocked.Increment(ref unreadable);
            }
        }, [Simulation.KeepConstant(copies, during)]);
        var run = await ScenarioRunner.RunAsync(scenario, metrics, ct);
        if (Interlocked.Read(ref unreadable) is > 0 and var n)
        {
            Console.Error.WriteLine($"[{step}] {n:N0} answers were not coupon-shaped: is {path} the no-op?");
        }
        return run;
    }
}
