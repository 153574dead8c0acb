using System.Diagnostics;
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
    /// body the size of a claim's; <paramref name="step"/> names it (through the edge, or straight to ClaimApi).
    /// </summary>
    public static Task<ScenarioRun> NoOpAsync(HttpMethod method, string path, string? bearer, LoadHttp http, RunMetrics metrics, int copies, TimeSpan during, CancellationToken ct, string step = NoOp) =>
        SendAsync(step, method, path, http, metrics, copies, during, ct, bearer);

    private static Task<ScenarioRun> GetAsync(string step, string path, LoadHttp http, RunMetrics metrics, int copies, TimeSpan during, CancellationToken ct) =>
        SendAsync(step, HttpMethod.Get, path, http, metrics, copies, during, ct);

    private static Task<ScenarioRun> SendAsync(string step, HttpMethod method, string path, LoadHttp http, RunMetrics metrics, int copies, TimeSpan during, CancellationToken ct, string? bearer = null)
    {
        var scenario = new Scenario(step, async ctx =>
        {
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(ctx.Iteration), LoadHttp.Request(method, path, bearer), false, ctx.Cancellation);
            ctx.Metrics.Step(step).Record(started, reply.ToOutcome());
        }, [Simulation.KeepConstant(copies, during)]);
        return ScenarioRunner.RunAsync(scenario, metrics, ct);
    }
}
