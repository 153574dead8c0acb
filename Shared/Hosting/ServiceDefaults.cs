using FlashSale.Shared.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace FlashSale.Shared.Hosting;

/// <summary>What every FlashSale service has: problem+json for every error, /healthz, Prometheus /metrics, a TimeProvider.</summary>
public static class ServiceDefaults
{
    public const string MeterName = "FlashSale";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        // API.md names these variables; they win over appsettings so an operator can set a key without editing files.
        foreach (var (variable, key) in new[] { ("FLASHSALE_ADMIN_KEY", "Admin:ApiKey"), ("FLASHSALE_CHECKOUT_KEY", "ClaimApi:CheckoutApiKey") })
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                builder.Configuration[key] = value;
            }
        }
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            var status = ctx.ProblemDetails.Status ?? ctx.HttpContext.Response.StatusCode;
            var error = ctx.HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
            if (error is BadHttpRequestException bad)
            {
                // Malformed JSON or an unbindable field: the framework's message names the field.
                status = bad.StatusCode;
                ctx.ProblemDetails.Status = status;
                ctx.ProblemDetails.Detail = bad.Message;
                ctx.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { ["body"] = [bad.Message] };
            }
            if (ctx.ProblemDetails.Type is null || !ctx.ProblemDetails.Type.StartsWith(Problem.TypeBase, StringComparison.Ordinal))
            {
                ctx.ProblemDetails.Type = Problem.TypeFor(Problem.SlugForStatus(status));
            }
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                Problem.SayRetryAfter(ctx.HttpContext.Response);
                ctx.ProblemDetails.Detail ??= "A backing store is unavailable; retry shortly.";
            }
            ctx.ProblemDetails.Detail ??= ctx.ProblemDetails.Title;
        });
        services.AddExceptionHandler(o =>
        {
            o.StatusCodeSelector = ex => ex switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                // A store that is down or slow is a reason to come back shortly, not a bug: 503 with Retry-After.
                Npgsql.NpgsqlException or StackExchange.Redis.RedisException or TimeoutException => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            };
            // A client's malformed body is answered, not an error of ours worth a stack trace in the log.
            o.SuppressDiagnosticsCallback = ctx => ctx.Exception is BadHttpRequestException;
        });
        services.AddHealthChecks();
        services.AddOpenTelemetry().ConfigureResource(r => r.AddService(serviceName)).WithMetrics(m => m
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddMeter(MeterName)
            .AddPrometheusExporter());
        return builder;
    }

    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthChecks("/healthz");
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
