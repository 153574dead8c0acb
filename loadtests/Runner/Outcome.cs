using System.Globalization;

namespace FlashSale.LoadTests.Runner;

/// <summary>
/// How a request ended: answered as hoped, refused the way the contract allows (sold out, a bot's 401), or an error
/// (a 5xx, a timeout, an answer the contract does not allow at that point).
/// </summary>
public enum OutcomeKind : byte
{
    Ok,
    Refused,
    Error,
}

/// <summary>One request's result: its kind, HTTP status (0 when no answer came) and problem type slug or failure name.</summary>
public readonly record struct Outcome(OutcomeKind Kind, int Status, string Type)
{
    public static Outcome Ok(int status, string type = "") => new(OutcomeKind.Ok, status, type);

    public static Outcome Refused(int status, string type) => new(OutcomeKind.Refused, status, type);

    public static Outcome Error(int status, string type) => new(OutcomeKind.Error, status, type);

    /// <summary>"410 sold-out", "201", "timeout": how the report names this outcome.</summary>
    public string Label => Status == 0
        ? Type
        : Type.Length == 0 ? Status.ToString(CultureInfo.InvariantCulture) : $"{Status.ToString(CultureInfo.InvariantCulture)} {Type}";
}
