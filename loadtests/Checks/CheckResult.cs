namespace FlashSale.LoadTests.Checks;

public enum CheckStatus
{
    Pass,
    Fail,
    Skip,
}

/// <summary>One correctness check as the summary prints it: its name, PASS/FAIL/SKIP and the numbers behind the verdict.</summary>
public sealed record CheckResult(string Name, CheckStatus Status, string Detail)
{
    public static CheckResult Of(string name, bool passed, string detail) => new(name, passed ? CheckStatus.Pass : CheckStatus.Fail, detail);

    public string Verdict => Status switch
    {
        CheckStatus.Pass => "PASS",
        CheckStatus.Fail => "FAIL",
        _ => "SKIP",
    };
}

/// <summary>A coupon a simulated client was answered with (201 created, or 200 for the same user again).</summary>
public readonly record struct SeenCoupon(string UserId, string Code, int Status);

/// <summary>A redemption checkout was answered 200 for.</summary>
public readonly record struct SeenRedemption(string Code, string OrderId);

/// <summary>
/// One queue member the clients joined with: its client-side event numbers (first join sent, first 202 answered;
/// 0 when unknown), so the order of the Redis queue can be compared with the order of the joins.
/// </summary>
public readonly record struct JoinRecord(int Sent, int Answered);
