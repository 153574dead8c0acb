using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Http;

/// <summary>
/// An answer as the generator keeps it: status (0 when none came), the problem type's slug for errors
/// ("sold-out"), the body when asked for, and Retry-After when the server set one.
/// </summary>
public readonly record struct HttpReply(int Status, string Type, byte[]? Body, TimeSpan? RetryAfter)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>Ok for 2xx; refused when <paramref name="expected"/> says the contract allows this answer here; else an error.</summary>
    public Outcome ToOutcome(Func<int, string, bool>? expected = null) =>
        IsSuccess ? Outcome.Ok(Status)
        : expected is not null && expected(Status, Type) ? Outcome.Refused(Status, Type)
        : Outcome.Error(Status, Type);
}
