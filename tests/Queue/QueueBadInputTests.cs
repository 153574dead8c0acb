using System.Net;
using FlashSale.Shared.Tokens;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Queue;

/// <summary>Every queue endpoint answers bad input with the problem+json of API.md, and changes nothing.</summary>
[Collection(SystemCollection.Name)]
public sealed class QueueBadInputTests(FlashSaleSystem sys)
{
    public static TheoryData<string, string> Endpoints => new()
    {
        { "POST", "queue" },
        { "GET", "queue" },
        { "DELETE", "queue" },
        { "GET", "events" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task UnknownCampaign_Is404NotFound(string method, string leaf)
    {
        var session = await sys.SessionAsync("bad-input-unknown");
        await Api.AssertProblemAsync(await Send(method, $"/api/campaigns/c_0000000000000000000000/{leaf}", session), HttpStatusCode.NotFound, "/not-found");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task MalformedCampaignId_Is404NotFound(string method, string leaf)
    {
        var session = await sys.SessionAsync("bad-input-malformed");
        foreach (var id in new[] { "not%20an%20id", "x'%3Bdrop", new string('a', 300) })
        {
            await Api.AssertProblemAsync(await Send(method, $"/api/campaigns/{id}/{leaf}", session), HttpStatusCode.NotFound, "/not-found");
        }
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task NoSession_Is401Unauthenticated(string method, string leaf)
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5);
        await Api.AssertProblemAsync(await Send(method, $"/api/campaigns/{campaign}/{leaf}", bearer: null), HttpStatusCode.Unauthorized, "/unauthenticated");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task SessionForNobody_ForgedOrExpired_Is401Unauthenticated(string method, string leaf)
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5);
        var codec = new JwtCodec(SessionOptions(FlashSaleSystem.SessionSecret), sys.Clock);
        var nobody = codec.Create(JwtCodec.Claims(("dev", "phone")), sys.Clock.GetUtcNow().AddMinutes(5));
        var forged = new JwtCodec(SessionOptions("an-attacker-secret-that-is-long-enough-0123"), sys.Clock)
            .Create(JwtCodec.Claims(("sub", "victim")), sys.Clock.GetUtcNow().AddMinutes(5));
        var expired = codec.Create(JwtCodec.Claims(("sub", "late")), sys.Clock.GetUtcNow().AddMinutes(-1));

        foreach (var bearer in new[] { nobody, forged, expired, "not-a-jwt" })
        {
            await Api.AssertProblemAsync(await Send(method, $"/api/campaigns/{campaign}/{leaf}", bearer), HttpStatusCode.Unauthorized, "/unauthenticated");
        }
        Assert.Equal(0, await sys.Redis.GetDatabase().SortedSetLengthAsync(Shared.Redis.RedisKeys.Queue(campaign)));
    }

    private Task<HttpResponseMessage> Send(string method, string path, string? bearer) =>
        sys.Edge.SendAsync(new HttpMethod(method), path, bearer);

    private static SessionTokenOptions SessionOptions(string secret)
    {
        var options = new SessionTokenOptions();
        options.Keys.Add(new SigningKeyOptions { Kid = "test-session-1", Secret = secret });
        return options;
    }
}
