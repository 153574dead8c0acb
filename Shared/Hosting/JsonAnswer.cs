using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace FlashSale.Shared.Hosting;

/// <summary>
/// An answer on a storm's path (a poll, a join, a claim) written as one buffer with its length, serialized by a
/// source-generated contract. The framework's JSON results took the reflection-driven serializer and a chunked body:
/// 8% of the edge's CPU in a poll storm.
/// </summary>
public sealed class JsonAnswer<T>(
    T body, JsonTypeInfo<T> contract, int statusCode, string? location = null, string contentType = "application/json; charset=utf-8") : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, contract);
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = contentType;
        response.ContentLength = bytes.Length;
        if (location is not null)
        {
            response.Headers.Location = location;
        }
        return response.Body.WriteAsync(bytes, 0, bytes.Length);
    }
}

public static class JsonAnswer
{
    public static JsonAnswer<T> Ok<T>(T body, JsonTypeInfo<T> contract) => new(body, contract, StatusCodes.Status200OK);

    public static JsonAnswer<T> Created<T>(string location, T body, JsonTypeInfo<T> contract) => new(body, contract, StatusCodes.Status201Created, location);

    public static JsonAnswer<T> Accepted<T>(string location, T body, JsonTypeInfo<T> contract) => new(body, contract, StatusCodes.Status202Accepted, location);
}
