using System.Security.Cryptography;
using System.Text;
using FlashSale.Shared.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace FlashSale.Shared.Hosting;

/// <summary>Service-to-service and marketer calls authenticate with <c>X-Api-Key</c>.</summary>
public static class ApiKeyFilter
{
    public const string Header = "X-Api-Key";

    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder, Func<IServiceProvider, string> expectedKey, string who)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (ctx, next) =>
        {
            var expected = Encoding.UTF8.GetBytes(expectedKey(ctx.HttpContext.RequestServices));
            var given = Encoding.UTF8.GetBytes(ctx.HttpContext.Request.Headers[Header].ToString());
            return CryptographicOperations.FixedTimeEquals(expected, given)
                ? await next(ctx)
                : Problem.Unauthenticated($"A valid {who} key is required in the {Header} header.");
        });
}
