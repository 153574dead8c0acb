using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace FlashSale.Shared.Problems;

/// <summary>The stable problem types of API.md; clients and tests match on them.</summary>
public static class Problem
{
    public const string TypeBase = "https://flashsale.dev/problems/";

    public static string TypeFor(string slug) => TypeBase + slug;

    public static IResult Validation(IDictionary<string, string[]> errors, string detail = "One or more fields are invalid.") =>
        TypedResults.ValidationProblem(errors, detail, type: TypeFor("validation"), title: "Invalid request");

    public static IResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] }, message);

    public static IResult Unauthenticated(string detail) => Of(StatusCodes.Status401Unauthorized, "unauthenticated", "Not authenticated", detail);

    public static IResult Forbidden(string detail) => Of(StatusCodes.Status403Forbidden, "forbidden", "Forbidden", detail);

    public static IResult NotFound(string detail) => Of(StatusCodes.Status404NotFound, "not-found", "Not found", detail);

    public static IResult NotLive(string detail) => Of(StatusCodes.Status409Conflict, "not-live", "Campaign not live", detail);

    public static IResult AlreadyRedeemed(string detail) => Of(StatusCodes.Status409Conflict, "already-redeemed", "Coupon already redeemed", detail);

    public static IResult SoldOut(string detail) => Of(StatusCodes.Status410Gone, "sold-out", "Sold out", detail);

    public static IResult Expired(string detail) => Of(StatusCodes.Status410Gone, "expired", "Expired", detail);

    public static IResult RateLimited(TimeSpan retryAfter) =>
        Of(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests", "Slow down and retry later.", retryAfter);

    public static IResult Overloaded(string detail, TimeSpan retryAfter) =>
        Of(StatusCodes.Status503ServiceUnavailable, "overloaded", "Overloaded", detail, retryAfter);

    public static IResult Of(int status, string slug, string title, string detail, TimeSpan? retryAfter = null) =>
        new ProblemAnswer(status, slug, title, detail, retryAfter);

    /// <summary>
    /// Tells the client when to come back: after <paramref name="wait"/> rounded up to whole seconds, or in one second.
    /// Every 503 says it, ours and the framework's alike.
    /// </summary>
    public static void SayRetryAfter(HttpResponse response, TimeSpan? wait = null) =>
        response.Headers.RetryAfter = (wait is { } w ? Math.Max(1, (int)Math.Ceiling(w.TotalSeconds)) : 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>Slug for a bare status code, so framework-made errors (404 route, 401 auth) carry our types too.</summary>
    public static string SlugForStatus(int status) => status switch
    {
        400 => "validation",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not-found",
        410 => "sold-out",
        429 => "rate-limited",
        503 => "overloaded",
        _ => "error",
    };
}
