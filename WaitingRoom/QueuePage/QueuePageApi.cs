using System.Collections.Frozen;
using System.Security.Cryptography;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Problems;
using Microsoft.Net.Http.Headers;

namespace FlashSale.WaitingRoom.QueuePage;

/// <summary>
/// The shopper's page at <c>/c/{campaignId}</c>: one static HTML file for every campaign (the script reads the id from
/// the address), so a CDN can cache it and two million arrivals cost the edge nothing until they call the API.
/// </summary>
public static class QueuePageApi
{
    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, Asset> Assets = new[]
    {
        Load("queue.html", "text/html; charset=utf-8"),
        Load("queue.css", "text/css; charset=utf-8"),
        Load("queue.js", "text/javascript; charset=utf-8"),
    }.ToFrozenDictionary(a => a.Name);

    public static IEndpointRouteBuilder MapQueuePage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/c/{id}", (string id, HttpContext http) =>
            CampaignIds.IsWellFormed(id) ? Serve(http, Assets["queue.html"]) : Problem.NotFound($"No campaign '{id}'."));
        app.MapGet("/c/assets/{name}", (string name, HttpContext http) =>
            name != "queue.html" && Assets.TryGetValue(name, out var asset) ? Serve(http, asset) : Problem.NotFound($"No asset '{name}'."));
        return app;
    }

    private static IResult Serve(HttpContext http, Asset asset)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.ETag = asset.ETag;
        // Revalidated rather than cached blind, so a deploy reaches pages at once; the ETag keeps revalidation to a 304.
        headers.CacheControl = "public, max-age=60, must-revalidate";
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    private static Asset Load(string name, string contentType)
    {
        using var stream = typeof(QueuePageApi).Assembly.GetManifestResourceStream("FlashSale.WaitingRoom.QueuePage." + name)
            ?? throw new InvalidOperationException($"The queue page's {name} is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var content = copy.ToArray();
        var etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..16] + "\"").ToString();
        return new Asset(name, contentType, content, etag);
    }

    private sealed record Asset(string Name, string ContentType, byte[] Content, string ETag);
}
