using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using FlashSale.Shared.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace FlashSale.Shared.Hosting;

/// <summary>
/// Static pages shipped inside a service's assembly (the queue page, the dashboard): no content root to get wrong, in
/// tests or behind a CDN. The policy lets a page run only its own script and call only its own origin, so a campaign
/// name or an audit entry that holds markup stays text; the ETag keeps revalidation to a 304.
/// </summary>
public sealed class EmbeddedAssets
{
    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private readonly FrozenDictionary<string, Asset> assets;
    private readonly string cacheControl;

    /// <param name="resourcePrefix">The manifest name up to the file name, e.g. <c>FlashSale.WaitingRoom.QueuePage.</c></param>
    public EmbeddedAssets(Assembly assembly, string resourcePrefix, string cacheControl, params string[] names)
    {
        this.cacheControl = cacheControl;
        assets = names.Select(name => Load(assembly, resourcePrefix, name)).ToFrozenDictionary(a => a.Name);
    }

    /// <summary>Maps <c>{path}/{name}</c> to every asset but <paramref name="page"/>, which has an address of its own.</summary>
    public RouteHandlerBuilder MapAssets(IEndpointRouteBuilder app, string path, string page) =>
        app.MapGet(path + "/{name}", (string name, HttpContext http) =>
            name != page && assets.ContainsKey(name) ? Serve(http, name) : Problem.NotFound($"No asset '{name}'."));

    public IResult Serve(HttpContext http, string name)
    {
        var asset = assets[name];
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.ETag = asset.ETag;
        headers.CacheControl = cacheControl;
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    private static Asset Load(Assembly assembly, string resourcePrefix, string name)
    {
        using var stream = assembly.GetManifestResourceStream(resourcePrefix + name)
            ?? throw new InvalidOperationException($"{name} is not embedded in {assembly.GetName().Name} as {resourcePrefix}{name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var content = copy.ToArray();
        var etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..16] + "\"").ToString();
        var contentType = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            _ => "application/octet-stream",
        };
        return new Asset(name, contentType, content, etag);
    }

    private sealed record Asset(string Name, string ContentType, byte[] Content, string ETag);
}
