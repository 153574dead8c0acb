using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Campaign;

/// <summary>
/// With --wait sse: a joined shopper listens on GET /api/campaigns/{id}/events instead of polling, up to a cap of
/// open streams (each holds a connection; shoppers beyond the cap poll). On <c>admitted</c> the shopper goes back to
/// the scheduler to claim with the event's <c>admissionToken</c> (or, without one, to fetch it with one GET); on
/// <c>soldout</c> its visit ends. If the edge has no stream (404) SSE is switched off for the rest of the run and
/// everyone polls; the report says so.
/// </summary>
public sealed class SseWaiter : IDisposable
{
    private readonly CampaignContext c;
    private readonly HttpClient client;
    private readonly SemaphoreSlim slots;
    private readonly CancellationToken ct;
    private int disabled;
    private long opened;

    public SseWaiter(CampaignContext c, CancellationToken ct)
    {
        this.c = c;
        this.ct = ct;
        slots = new SemaphoreSlim(c.Options.SseStreams, c.Options.SseStreams);
        client = LoadHttp.Create(c.Http.Edges[0], c.Options.SseStreams, c.Options.Http2, Timeout.InfiniteTimeSpan);
    }

    public bool Disabled => Volatile.Read(ref disabled) == 1;

    public long Opened => Interlocked.Read(ref opened);

    public string? DisabledBecause { get; private set; }

    /// <summary>Starts listening for shopper <paramref name="i"/>, which the stream then owns; false when SSE is off or every slot is taken.</summary>
    public bool TryListen(int i)
    {
        if (Disabled || !slots.Wait(0))
        {
            return false;
        }
        Interlocked.Increment(ref opened);
        _ = Task.Run(() => ListenAsync(i));
        return true;
    }

    private async Task ListenAsync(int i)
    {
        var started = Stopwatch.GetTimestamp();
        var next = ShopperStep.Poll;
        try
        {
            using var request = LoadHttp.Request(HttpMethod.Get, c.EventsPath, c.Minter.Mint(c.Book.UserId(i)));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                c.Metrics.Step(CampaignSteps.SseConnect).Record(started, Outcome.Error(status, "no-stream"));
                if (status is 404 or 405)
                {
                    DisabledBecause = $"GET {c.EventsPath} answered {status}";
                    Volatile.Write(ref disabled, 1);
                }
                return;
            }
            c.Metrics.Step(CampaignSteps.SseConnect).Record(started, Outcome.Ok(status));
            var waiting = Stopwatch.GetTimestamp();
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            using var reader = new StreamReader(stream);
            string? eventName = null;
            string? data = null;
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    eventName = line[6..].Trim();
                    continue;
                }
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data = line[5..].Trim();
                    continue;
                }
                if (line.Length != 0)
                {
                    continue;
                }
                if (eventName is "admitted")
                {
                    c.Metrics.Step(CampaignSteps.SseWait).Record(waiting, Outcome.Ok(200, "admitted"));
                    if (TokenIn(data) is { } token)
                    {
                        c.Book.PendingTokens[i] = token;
                        next = ShopperStep.Claim;
                    }
                    return;
                }
                if (eventName is "soldout")
                {
                    c.Metrics.Step(CampaignSteps.SseWait).Record(waiting, Outcome.Refused(200, "soldout"));
                    next = ShopperStep.Done;
                    return;
                }
                eventName = null;
                data = null;
            }
            c.Metrics.Step(CampaignSteps.SseWait).Record(waiting, Outcome.Error(200, "stream-ended"));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            next = ShopperStep.Done;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            c.Metrics.Step(CampaignSteps.SseWait).Record(started, Outcome.Error(0, "stream-broken"));
        }
        finally
        {
            slots.Release();
            if (next == ShopperStep.Done)
            {
                c.Book.Finish(i, ct.IsCancellationRequested ? ShopperEnd.Unfinished : ShopperEnd.SoldOut);
            }
            else
            {
                // Admitted, or the stream failed: the claim (or one poll, which fetches the token or the status) runs next.
                c.Book.Shoppers[i].Step = next;
                c.Scheduler.Schedule(i, c.Scheduler.NowMs);
            }
        }
    }

    private static string? TokenIn(string? data)
    {
        if (data is null)
        {
            return null;
        }
        try
        {
            using var json = JsonDocument.Parse(data);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("admissionToken", out var token) && token.ValueKind == JsonValueKind.String
                ? token.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Waits (boundedly) until every stream has let go of its shopper, so no shopper is finished twice.</summary>
    public async Task DrainAsync()
    {
        for (var i = 0; i < 200 && slots.CurrentCount < c.Options.SseStreams; i++)
        {
            await Task.Delay(25, CancellationToken.None);
        }
    }

    public void Dispose()
    {
        client.Dispose();
        slots.Dispose();
    }
}
