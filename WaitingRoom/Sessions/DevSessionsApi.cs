using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Problems;
using FlashSale.Shared.Tokens;
using Microsoft.Extensions.Options;

namespace FlashSale.WaitingRoom.Sessions;

public sealed record DevSessionRequest(string? UserId, string? DeviceId);

public sealed record DevSessionResponse(string Token, string UserId, DateTimeOffset ExpiresAt);

/// <summary>Stands in for the platform's identity provider when running locally; never mapped outside Development.</summary>
public static class DevSessionsApi
{
    public static IEndpointRouteBuilder MapDevSessions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/dev/sessions", (DevSessionRequest? request, SessionTokens sessions, IOptions<WaitingRoomOptions> options, TimeProvider time) =>
        {
            if (!CampaignIds.IsWellFormed(request?.UserId))
            {
                return Problem.Validation("userId", "A userId of 1-64 letters, digits, '-' or '_' is required.");
            }
            if (request!.DeviceId is { Length: > 128 })
            {
                return Problem.Validation("deviceId", "The deviceId is longer than 128 characters.");
            }
            var ttl = TimeSpan.FromSeconds(options.Value.DevSessionTtlSeconds);
            var token = sessions.Issue(request.UserId!, request.DeviceId, ttl);
            return TypedResults.Ok(new DevSessionResponse(token, request.UserId!, time.GetUtcNow() + ttl));
        });
        return app;
    }
}
