using System.ComponentModel.DataAnnotations;
using System.Net;

namespace FlashSale.WaitingRoom.RateLimits;

/// <summary>Section <c>WaitingRoom:RateLimits</c>: how much one client address, and one shopper's credential, may ask of this edge.</summary>
public sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "WaitingRoom:RateLimits";

    /// <summary>
    /// Requests per second one address keeps up. Generous on purpose: a carrier NAT puts many shoppers behind one
    /// address, each polling every few seconds; what it stops is one machine flooding the edge. 0 turns limits off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int PerAddressPerSecond { get; set; } = 50;

    /// <summary>Requests one address may send at once before the per-second rate applies (a page load, the start's rush).</summary>
    [Range(1, 1_000_000)]
    public int PerAddressBurst { get; set; } = 500;

    /// <summary>
    /// Requests per second one credential (a shopper's session or admission token) keeps up: a page polls every few
    /// seconds, so this only stops a script hammering with one account. 0 turns the per-credential limit off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int PerSessionPerSecond { get; set; } = 5;

    /// <summary>Requests one credential may send at once: a page load and a claim together stay well under it.</summary>
    [Range(1, 1_000_000)]
    public int PerSessionBurst { get; set; } = 20;

    /// <summary>Addresses never limited: the shop's own servers, a load generator, health checkers.</summary>
    public string[] ExemptAddresses { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var address in ExemptAddresses)
        {
            if (!IPAddress.TryParse(address, out _))
            {
                yield return new ValidationResult($"'{address}' is not an IP address.", [nameof(ExemptAddresses)]);
            }
        }
    }
}
