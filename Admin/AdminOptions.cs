using System.ComponentModel.DataAnnotations;

namespace FlashSale.Admin;

/// <summary>Section <c>Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>The marketers' key, sent as X-Api-Key.</summary>
    [Required, MinLength(8)]
    public string ApiKey { get; set; } = "";

    /// <summary>
    /// How long an ended campaign's queue stays in Redis (its queue length on the dashboard), in minutes; then it is
    /// unlinked, so Redis does not grow by every campaign's shoppers for good. Claims and coupons live in PostgreSQL.
    /// </summary>
    [Range(0, 525_600)]
    public int QueueRetentionMinutes { get; set; } = 60;
}
