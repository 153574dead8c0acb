using FlashSale.ClaimApi.Claims;
using FlashSale.ClaimApi.Inventory;
using FlashSale.Shared.Data;
using FlashSale.Shared.Tokens;
using FlashSale.Shared.Hosting;
using FlashSale.Shared.Problems;
using Microsoft.Extensions.Options;

namespace FlashSale.ClaimApi.Coupons;

public sealed record OrderRequest(string? OrderId, decimal? OrderAmount);

public sealed record VoidRequest(string? OrderId);

public sealed record CouponResponse(string Code, string CampaignId, string UserId, string Status, DateTimeOffset? ExpiresAt);

public sealed record ValidateResponse(bool Valid, decimal DiscountAmount, string? Reason);

public sealed record RedeemResponse(string Status, decimal DiscountAmount, DateTimeOffset RedeemedAt, string OrderId);

/// <summary>Checkout's side: look up, price, redeem (single use, idempotent per order) and void coupons.</summary>
public static class CouponsApi
{
    public static RouteGroupBuilder MapCoupons(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/coupons/{code}")
            .RequireApiKey(sp => sp.GetRequiredService<IOptions<ClaimApiOptions>>().Value.CheckoutApiKey, "checkout");

        group.MapGet("/", async (string code, CouponStore store, TimeProvider time) =>
            await FindAsync(code, store) is { } c
                ? Results.Ok(new CouponResponse(c.CouponCode, c.CampaignId, c.UserId, StatusOf(c, time.GetUtcNow()), c.Deadline))
                : NotFound(code));

        group.MapPost("/validate", async (string code, OrderRequest? order, CouponStore store, TimeProvider time) =>
        {
            if (Invalid(order) is { } bad)
            {
                return bad;
            }
            if (await FindAsync(code, store) is not { } c)
            {
                return NotFound(code);
            }
            var status = StatusOf(c, time.GetUtcNow());
            if (status != "claimed")
            {
                return Results.Ok(new ValidateResponse(false, 0, $"The coupon is {status}."));
            }
            var (discount, reason) = Discount.For(c, order!.OrderAmount!.Value);
            return Results.Ok(new ValidateResponse(reason is null, discount, reason));
        });

        group.MapPost("/redeem", async (string code, OrderRequest? order, CouponStore store, TimeProvider time) =>
        {
            if (Invalid(order) is { } bad)
            {
                return bad;
            }
            if (await FindAsync(code, store) is not { } c)
            {
                return NotFound(code);
            }
            var now = time.GetUtcNow().ToMicroseconds();
            var orderId = order!.OrderId!;
            if (c.Status == "claimed" && !c.IsExpiredAt(now))
            {
                var (discount, reason) = Discount.For(c, order.OrderAmount!.Value);
                if (reason is not null)
                {
                    return Problem.Validation("orderAmount", reason);
                }
                if (await store.RedeemAsync(code, orderId, discount, now))
                {
                    return Results.Ok(new RedeemResponse("redeemed", discount, now, orderId));
                }
                c = await store.GetAsync(code) ?? c;
            }
            return c switch
            {
                { Status: "redeemed" } when c.OrderId == orderId =>
                    Results.Ok(new RedeemResponse("redeemed", c.DiscountAmount ?? 0, c.RedeemedAt is { } at ? ClaimResponse.Utc(at) : now, orderId)),
                { Status: "redeemed" } => Problem.AlreadyRedeemed("The coupon was redeemed by another order."),
                { Status: "released" } => Problem.Expired("The coupon was given back and can no longer be redeemed."),
                { Status: "expired" } => Problem.Expired("The coupon's hold lapsed and its unit went back to stock."),
                _ => Problem.Expired("The coupon's validity has passed."),
            };
        });

        group.MapPost("/void", async (string code, VoidRequest? request, CouponStore store) =>
        {
            if (string.IsNullOrWhiteSpace(request?.OrderId))
            {
                return Problem.Validation("orderId", "The orderId is required.");
            }
            if (await FindAsync(code, store) is not { } c)
            {
                return NotFound(code);
            }
            if (await store.VoidAsync(code, request.OrderId) || c.Status == "claimed")
            {
                return Results.Ok(new { status = "claimed" });
            }
            return c.Status == "redeemed"
                ? Problem.AlreadyRedeemed("The coupon was redeemed by another order; only that order can void it.")
                : Problem.Expired($"The coupon is {c.Status}.");
        });
        app.MapPost("/api/coupons/{code}/release", ReleaseAsync);
        return group;
    }

    private static async Task<IResult> ReleaseAsync(string code, HttpContext http, SessionTokens sessions, CouponStore store, EdgeSignals signals)
    {
        var (session, error) = await sessions.ValidateAsync(JwtCodec.Bearer(http.Request.Headers.Authorization));
        if (session is null)
        {
            return Problem.Unauthenticated(error ?? "The coupon's owner must be signed in.");
        }
        if (await FindAsync(code, store) is not { } c)
        {
            return NotFound(code);
        }
        if (c.UserId != session.UserId)
        {
            return Problem.Forbidden("Only the coupon's owner can give it back.");
        }
        if (await store.ReleaseAsync(code, session.UserId))
        {
            await signals.ReturnedAsync(c.CampaignId, 1);
            return Results.Ok(new { status = "released" });
        }
        return (await store.GetAsync(code))?.Status switch
        {
            "released" => Results.Ok(new { status = "released" }),
            "redeemed" => Problem.AlreadyRedeemed("A redeemed coupon cannot be given back; void the order first."),
            _ => Problem.Expired("The coupon's hold has lapsed; its unit is already back in stock."),
        };
    }

    private static async Task<CouponRow?> FindAsync(string code, CouponStore store) =>
        CouponCodes.IsWellFormed(code) ? await store.GetAsync(code) : null;

    private static IResult NotFound(string code) => Problem.NotFound($"No coupon '{code}'.");

    private static IResult? Invalid(OrderRequest? order)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(order?.OrderId) || order.OrderId.Length > 128)
        {
            errors["orderId"] = ["An orderId of 1-128 characters is required."];
        }
        if (order?.OrderAmount is not > 0)
        {
            errors["orderAmount"] = ["The orderAmount must be greater than 0."];
        }
        return errors.Count > 0 ? Problem.Validation(errors) : null;
    }

    private static string StatusOf(CouponRow c, DateTimeOffset now) => c.Status == "claimed" && c.IsExpiredAt(now) ? "expired" : c.Status;
}
