using FlashSale.Shared.Campaigns;

namespace FlashSale.Admin.Campaigns;

/// <summary>Every rule a campaign must meet, each reported against its field so a form can show it in place.</summary>
public static class CampaignValidation
{
    public const int MaxStock = 10_000_000;
    public const int MaxRate = 1_000_000;

    public static (Campaign? Campaign, Dictionary<string, string[]> Errors) Validate(CreateCampaignRequest r, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        void Fail(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];

        var name = r.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            Fail("name", "A name is required.");
        }
        else if (name.Length > 200)
        {
            Fail("name", "The name is longer than 200 characters.");
        }

        if (r.StartsAt is not { } startsAt)
        {
            Fail("startsAt", "A start time is required.");
        }
        else if (startsAt <= now)
        {
            Fail("startsAt", "The start time is in the past.");
        }

        var duration = r.DurationSeconds ?? 300;
        if (duration is < 10 or > 7 * 86_400)
        {
            Fail("durationSeconds", "The duration must be between 10 seconds and 7 days.");
        }

        if (r.Stock is not { } stock)
        {
            Fail("stock", "The stock is required.");
        }
        else if (stock is < 1 or > MaxStock)
        {
            Fail("stock", $"The stock must be between 1 and {MaxStock:N0}.");
        }

        var perUser = r.PerUserLimit ?? 1;
        if (perUser != 1)
        {
            Fail("perUserLimit", "Only a limit of 1 coupon per shopper is supported.");
        }

        ValidateCoupon(r.Coupon, Fail);
        var admission = ValidateAdmission(r.Admission, Fail);

        if (r.RequireRegistration == true)
        {
            Fail("requireRegistration", "Pre-registration is not available yet.");
        }
        if (!string.IsNullOrEmpty(r.Challenge) && r.Challenge != "none")
        {
            Fail("challenge", "Challenges are not available yet; leave this out or use \"none\".");
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var c = r.Coupon!;
        var campaign = new Campaign(
            CampaignIds.New(),
            name!,
            r.StartsAt!.Value.ToUniversalTime(),
            r.StartsAt!.Value.ToUniversalTime().AddSeconds(duration),
            r.Stock!.Value,
            perUser,
            new CouponSettings(c.Kind!, c.Value!.Value, c.MinOrderAmount, c.MaxDiscount, c.ValidForSeconds, c.HoldSeconds),
            admission!,
            null,
            now);
        return (campaign, errors);
    }

    /// <summary>The admission rules alone: the only settings a live campaign may change. Null when any is broken.</summary>
    public static AdmissionSettings? ValidateAdmission(AdmissionRequest? r, Action<string, string> fail)
    {
        if (r is null)
        {
            fail("admission", "Admission settings are required.");
            return null;
        }
        var broken = false;
        void Fail(string field, string message)
        {
            broken = true;
            fail(field, message);
        }
        ValidateRate(r.RatePerSecond, r.MaxActive, Fail);
        var tokenTtl = r.TokenTtlSeconds ?? 120;
        if (tokenTtl is < 10 or > 3600)
        {
            Fail("admission.tokenTtlSeconds", "The token lifetime must be between 10 and 3600 seconds.");
        }
        var positionExpiry = r.PositionExpirySeconds ?? AdmissionSettings.DefaultPositionExpirySeconds;
        if (positionExpiry is < 60 or > 3600)
        {
            Fail("admission.positionExpirySeconds", "The position expiry must be between 60 and 3600 seconds.");
        }
        return broken ? null : new AdmissionSettings(r.RatePerSecond!.Value, r.MaxActive, tokenTtl, PositionExpirySeconds: positionExpiry);
    }

    public static void ValidateRate(int? rate, int? maxActive, Action<string, string> fail)
    {
        if (rate is not { } value)
        {
            fail("admission.ratePerSecond", "The admission rate is required.");
        }
        else if (value is < 1 or > MaxRate)
        {
            fail("admission.ratePerSecond", $"The admission rate must be between 1 and {MaxRate:N0} per second.");
        }
        if (maxActive is < 1)
        {
            fail("admission.maxActive", "The active cap must be at least 1 when set.");
        }
    }

    private static void ValidateCoupon(CouponRequest? c, Action<string, string> fail)
    {
        if (c is null)
        {
            fail("coupon", "Coupon settings are required.");
            return;
        }
        if (c.Kind is not ("percent" or "amount"))
        {
            fail("coupon.kind", "The coupon kind must be \"percent\" or \"amount\".");
        }
        if (c.Value is not { } value || value <= 0)
        {
            fail("coupon.value", "The coupon value must be greater than 0.");
        }
        else if (c.Kind == "percent" && value > 100)
        {
            fail("coupon.value", "A percent coupon cannot exceed 100.");
        }
        if (c.MinOrderAmount is < 0)
        {
            fail("coupon.minOrderAmount", "The minimum order amount cannot be negative.");
        }
        if (c.MaxDiscount is <= 0)
        {
            fail("coupon.maxDiscount", "The maximum discount must be greater than 0.");
        }
        if (c.ValidForSeconds is < 1)
        {
            fail("coupon.validForSeconds", "The validity must be at least 1 second.");
        }
        if (c.HoldSeconds is < 1)
        {
            fail("coupon.holdSeconds", "The hold must be at least 1 second.");
        }
    }
}
