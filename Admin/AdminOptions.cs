using System.ComponentModel.DataAnnotations;

namespace FlashSale.Admin;

/// <summary>Section <c>Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>The marketers' key, sent as X-Api-Key.</summary>
    [Required, MinLength(8)]
    public string ApiKey { get; set; } = "";
}
