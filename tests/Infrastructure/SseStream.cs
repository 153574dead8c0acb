using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace FlashSale.Tests.Infrastructure;

/// <summary>One event as a browser's EventSource would see it; comments (<c>: ping</c>) come through with type <c>:</c>.</summary>
public sealed record SseEvent(string Type, string? Id, string Data)
{
    public JsonNode Json => JsonNode.Parse(Data)!;
}

/// <summary>A Server-Sent Events reader for tests: parses the stream as it arrives and hands out events in order.</summary>
public sealed class SseStream : IAsyncDisposable
{
    private readonly Channel<SseEvent> events = Channel.CreateUnbounded<SseEvent>();
    private readonly CancellationTokenSource stop = new();
    private readonly Task pump;

    private SseStream(HttpResponseMessage response)
    {
        Response = response;
        pump = response.IsSuccessStatusCode ? PumpAsync() : Task.CompletedTask;
    }

    public HttpResponseMessage Response { get; }

    /// <summary>Every event received so far, in order, including those already taken by <see cref="NextAsync"/>.</summary>
    public List<SseEvent> Seen { get; } = [];

    public static async Task<SseStream> OpenAsync(HttpClient client, string path, string? bearer, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        return new SseStream(await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead));
    }

    /// <summary>
    /// The next event of <paramref name="type"/> (skipping others). <paramref name="nudge"/> runs while nothing arrives:
    /// with the fixture's fake clock it moves time on so the edge's timers fire.
    /// </summary>
    public async Task<SseEvent> NextAsync(string type, TimeSpan? timeout = null, Action? nudge = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(nudge is null ? 200 : 25));
            try
            {
                var e = await events.Reader.ReadAsync(wait.Token);
                if (e.Type == type)
                {
                    return e;
                }
            }
            catch (OperationCanceledException)
            {
                nudge?.Invoke();
            }
            catch (ChannelClosedException)
            {
                break;
            }
        }
        throw new TimeoutException($"No '{type}' event arrived; saw: {string.Join(", ", Seen.Select(s => s.Type))}");
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        Response.Dispose();
        try
        {
            await pump;
        }
        catch (Exception)
        {
            // The stream was cut under the reader on purpose.
        }
        stop.Dispose();
    }

    private async Task PumpAsync()
    {
        try
        {
            using var reader = new StreamReader(await Response.Content.ReadAsStreamAsync(stop.Token));
            string? type = null, id = null, data = null;
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data is not null)
                    {
                        Emit(new SseEvent(type ?? "message", id, data));
                    }
                    type = data = null;
                    continue;
                }
                if (line[0] == ':')
                {
                    Emit(new SseEvent(":", null, line[1..].Trim()));
                    continue;
                }
                var colon = line.IndexOf(':');
                var field = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
                switch (field)
                {
                    case "event": type = value; break;
                    case "id": id = value; break;
                    case "data": data = data is null ? value : data + "\n" + value; break;
                    case "retry": Emit(new SseEvent("retry", null, value)); break;
                }
            }
        }
        finally
        {
            events.Writer.TryComplete();
        }
    }

    private void Emit(SseEvent e)
    {
        lock (Seen)
        {
            Seen.Add(e);
        }
        events.Writer.TryWrite(e);
    }
}
