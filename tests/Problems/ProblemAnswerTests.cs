using System.Text.Json;
using FlashSale.Shared.Problems;
using Microsoft.AspNetCore.Http;

namespace FlashSale.Tests.Problems;

/// <summary>Our problems are written by hand, not by the framework's writer: the same body, with its length, and a Retry-After on every 503.</summary>
public sealed class ProblemAnswerTests
{
    [Fact]
    public async Task SoldOut_WritesTheRfc9457MembersAndTraceId_WithContentLength()
    {
        var (http, body) = await ExecuteAsync(Problem.SoldOut("Every unit of this campaign has been claimed."));

        Assert.Equal(StatusCodes.Status410Gone, http.Response.StatusCode);
        Assert.Equal("application/problem+json", http.Response.ContentType);
        Assert.Equal(body.Length, http.Response.ContentLength);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal(["type", "title", "status", "detail", "traceId"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("https://flashsale.dev/problems/sold-out", root.GetProperty("type").GetString());
        Assert.Equal("Sold out", root.GetProperty("title").GetString());
        Assert.Equal(410, root.GetProperty("status").GetInt32());
        Assert.Equal("Every unit of this campaign has been claimed.", root.GetProperty("detail").GetString());
        Assert.Equal(http.TraceIdentifier, root.GetProperty("traceId").GetString());
        Assert.False(http.Response.Headers.ContainsKey("Retry-After"));
    }

    [Fact]
    public async Task Overloaded_SaysWhenToComeBack_RoundedUpToWholeSeconds()
    {
        var (http, _) = await ExecuteAsync(Problem.Overloaded("Busy.", TimeSpan.FromMilliseconds(2500)));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, http.Response.StatusCode);
        Assert.Equal("3", http.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task Any503_WithoutAWait_StillSaysOneSecond()
    {
        var (http, _) = await ExecuteAsync(Problem.Of(StatusCodes.Status503ServiceUnavailable, "overloaded", "Overloaded", "Busy."));

        Assert.Equal("1", http.Response.Headers.RetryAfter.ToString());
    }

    private static async Task<(HttpContext Http, byte[] Body)> ExecuteAsync(IResult result)
    {
        var http = new DefaultHttpContext { TraceIdentifier = "trace-1" };
        var body = new MemoryStream();
        http.Response.Body = body;
        await result.ExecuteAsync(http);
        return (http, body.ToArray());
    }
}
