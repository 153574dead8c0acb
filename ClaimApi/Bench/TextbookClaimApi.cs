using Dapper;
using FlashSale.ClaimApi.Claims;
using FlashSale.Shared.Hosting;
using FlashSale.Shared.Problems;
using FlashSale.Shared.Tokens;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.ClaimApi.Bench;

/// <summary>
/// The textbook claim, served the way ours is so the benchmark compares designs rather than hops: the same edge,
/// the same admission-token check, then an atomic Redis DECR and one single-row INSERT in its own transaction.
/// It writes to <c>bench_textbook_claims</c> (the benchmark creates it) and its stock is the Redis key the benchmark
/// sets, so it never touches a real campaign's inventory. Mapped only with <c>ClaimApi:BenchEndpoints</c>.
/// </summary>
public static class TextbookClaimApi
{
    public static string StockKey(string campaignId) => $"bench:textbook:{{{campaignId}}}:stock";

    public static IEndpointRouteBuilder MapTextbookClaims(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/bench/textbook/{id}/claims", async (string id, HttpContext http, AdmissionTokens tokens, IConnectionMultiplexer redis, NpgsqlDataSource db) =>
        {
            var (admission, error) = await tokens.ValidateAsync(JwtCodec.Bearer(http.Request.Headers.Authorization));
            if (admission is null)
            {
                return Problem.Unauthenticated(error ?? "An admission token is required.");
            }
            if (admission.CampaignId != id)
            {
                return Problem.Forbidden("The admission token is for another campaign.");
            }
            var key = StockKey(id);
            if (await redis.GetDatabase().StringDecrementAsync(key) < 0)
            {
                return Problem.SoldOut("Every unit of this campaign has been claimed.");
            }
            var code = CouponCodes.New();
            try
            {
                await using var conn = await db.OpenConnectionAsync();
                await using var tx = await conn.BeginTransactionAsync();
                var claimedAt = await conn.ExecuteScalarAsync<DateTime>(
                    "insert into bench_textbook_claims (run_id, user_id, coupon_code) values (@id, @user, @code) returning claimed_at",
                    new { id, user = admission.UserId, code }, tx);
                await tx.CommitAsync();
                // Answered as ours is, so the comparison is of the claim paths, not of JSON writers.
                return new JsonAnswer<ClaimResponse>(new ClaimResponse(code, id, admission.UserId, new DateTimeOffset(claimedAt, TimeSpan.Zero), null),
                    ClaimJson.Default.ClaimResponse, StatusCodes.Status201Created);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                await redis.GetDatabase().StringIncrementAsync(key);
                return Problem.Of(StatusCodes.Status409Conflict, "conflict", "Already claimed", "This shopper already claimed in this run.");
            }
            catch
            {
                // The textbook design has to undo its decrement by hand; a crash here loses the unit for good.
                await redis.GetDatabase().StringIncrementAsync(key);
                throw;
            }
        });
        return app;
    }
}
