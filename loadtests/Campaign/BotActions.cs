using System.Diagnostics;
using System.Security.Cryptography;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Runner;
using FlashSale.Shared.Tokens;

namespace FlashSale.LoadTests.Campaign;

/// <summary>
/// Bots hammer the endpoints with what a scraper would send: claims with garbage or forged admission tokens, joins
/// without a session or with a tampered one. Every one must be refused (401/403); one that gets through is counted
/// as an error "bot-got-through". Their steps are named "bot: …", apart from the shoppers'.
/// </summary>
public sealed class BotActions
{
    private static readonly string[] Kinds =
    [
        "bot: claim, garbage token",
        "bot: claim, forged token",
        "bot: join, no session",
        "bot: join, tampered session",
    ];

    private readonly CampaignContext c;
    private readonly string forgedAdmission;

    public BotActions(CampaignContext c)
    {
        this.c = c;
        // Right issuer, audience, kid and claims, wrong key: only the signature check stands between it and a coupon.
        var forger = new JwtCodec(new AdmissionTokenOptions
        {
            Keys = [new SigningKeyOptions { Kid = "dev-1", Secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)) }],
        }, TimeProvider.System);
        forgedAdmission = forger.Create(
            JwtCodec.Claims(("sub", c.Book.UserId(0)), (AdmissionTokens.CampaignClaim, c.CampaignId), ("jti", "forged")),
            DateTimeOffset.UtcNow.AddHours(2));
    }

    public async Task RunAsync(int i, CancellationToken ct)
    {
        var kind = i % Kinds.Length;
        var request = kind switch
        {
            0 => LoadHttp.Request(HttpMethod.Post, c.ClaimsPath, "garbage-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            1 => LoadHttp.Request(HttpMethod.Post, c.ClaimsPath, forgedAdmission),
            2 => LoadHttp.Request(HttpMethod.Post, c.QueuePath),
            _ => LoadHttp.Request(HttpMethod.Post, c.QueuePath, Tamper(c.Minter.Mint(c.Book.UserId(i)))),
        };
        var started = Stopwatch.GetTimestamp();
        var reply = await LoadHttp.SendAsync(c.Http.For(i), request, keepBody: false, ct);
        c.Metrics.Step(Kinds[kind]).Record(started,
            reply.IsSuccess ? Outcome.Error(reply.Status, "bot-got-through")
            : reply.Status is 401 or 403 ? Outcome.Refused(reply.Status, reply.Type)
            : Outcome.Error(reply.Status, reply.Type));
        if (++c.Book.Shoppers[i].Attempts >= c.Options.BotRequests)
        {
            c.Book.Finish(i, ShopperEnd.Bot);
            return;
        }
        c.Scheduler.Schedule(i, c.Scheduler.NowMs + CampaignContext.Jitter(0.1, 0.4));
    }

    /// <summary>Flips one character of the signature, so the token reads as valid but does not verify.</summary>
    private static string Tamper(string token)
    {
        var chars = token.ToCharArray();
        var at = chars.Length - 2;
        chars[at] = chars[at] == 'A' ? 'B' : 'A';
        return new string(chars);
    }
}
