using FlashSale.ClaimApi.Claims;
using FlashSale.Shared.Hosting;

namespace FlashSale.ClaimApi.Bench;

/// <summary>
/// The baseline the claim benchmark divides by: a POST through the same hops that does no work. It answers a body
/// the size of a real claim so the two differ only in what the claim path does.
/// </summary>
public static class BenchApi
{
    private static readonly ClaimResponse Sample = new("0000-0000-0000-0000-000", "c_000000000000", "bench-user", DateTimeOffset.UnixEpoch, null);

    public static IEndpointRouteBuilder MapBench(this IEndpointRouteBuilder app)
    {
        // Written the way a claim's answer is, so the JSON writing cancels out of the ratio.
        app.MapPost("/api/bench/noop", () => JsonAnswer.Ok(Sample, ClaimJson.Default.ClaimResponse));
        return app;
    }
}
