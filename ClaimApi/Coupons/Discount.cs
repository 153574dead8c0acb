namespace FlashSale.ClaimApi.Coupons;

public static class Discount
{
    /// <summary>The discount for an order, or why the order does not qualify.</summary>
    public static (decimal Amount, string? Reason) For(CouponRow c, decimal orderAmount)
    {
        if (c.MinOrderAmount is { } min && orderAmount < min)
        {
            return (0, $"The order must be at least {min:0.00}.");
        }
        var amount = c.CouponKind == "percent" ? orderAmount * c.CouponValue / 100m : c.CouponValue;
        if (c.MaxDiscount is { } cap)
        {
            amount = Math.Min(amount, cap);
        }
        return (Math.Round(Math.Min(amount, orderAmount), 2, MidpointRounding.ToZero), null);
    }
}
