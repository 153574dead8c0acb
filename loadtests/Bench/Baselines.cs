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

    public static Task<ScenarioRun> HealthzAsync(LoadHttp http, RunMetrics metrics, int copies, TimeSpan during, CancellationToken ct) =>
        GetAsync(Healthz, "/healthz", http, metrics, copies, during, ct);

    /// <summary>
    /// TODO(lead): this branch's edge has no no-op route to ClaimApi. Once one is there (main has `POST
    /// /api/bench/noop`, mapped when ClaimApi's bench endpoints are switched on), pass it with --noop-path (and
    /// --noop-method if it is not POST); this baseline and its ratios then appear in the report. Until then the report
    /// says it was not measured.
    /// </summary>
    public static Task<ScenarioRun> NoOpAsync(HttpMethod method, string path, LoadHttp http, RunMetrics metrics, int copies, TimeSpan during, CancellationToken ct) =>
        SendAsync(NoOp, method, path, http, metrics, copies, during, ct);

    private static Task<ScenarioRun> GetAsync(string step, string path, LoadHttp http, RunMetrics metrics, int copies, TimeSpan during, CancellationToken ct) =>
        SendAsync(step, HttpMethod.Get, path, http, metrics, copies, during, ct);

    private static Task<ScenarioRun> SendAsync(string step, HttpMethod method, string path, LoadHttp http, RunMetrics metrics, int copies, TimeSpan during, CancellationToken ct)
    {
        var scenario = new Scenario(step, async ctx =>
        {
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(ctx.Iteration), LoadHttp.Request(method, path), false, ctx.Cancellation);
            ctx.Metrics.Step(step).Record(started, reply.ToOutcome());
        }, [Simulation.KeepConstant(copies, during)]);
        return ScenarioRunner.RunAsync(scenario, metrics, ct);
    }
}
