using System.ComponentModel.DataAnnotations;

namespace FlashSale.WaitingRoom.Proxy;

/// <summary>Section <c>Proxy</c>: where the services behind the edge listen. The routes themselves are API.md's and live in code.</summary>
public sealed class ProxyOptions
{
    public const string Section = "Proxy";

    /// <summary>Every ClaimApi instance; the edge balances claims across them.</summary>
    [MinLength(1)]
    public List<string> ClaimApi { get; set; } = [];

    /// <summary>The Admin service.</summary>
    [Required]
    public string Admin { get; set; } = "";
}
