using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace FlashSale.LoadTests.Http;

/// <summary>
/// One pooled <see cref="HttpClient"/> per edge instance (keep-alive HTTP/1.1, or HTTP/2 with prior knowledge),
/// and the one send path every scenario uses: it never throws for an HTTP or transport failure, it answers a reply.
/// </summary>
public sealed class LoadHttp : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient[] clients;

    public LoadHttp(IReadOnlyList<Uri> edges, int connectionsPerEdge, bool http2, TimeSpan timeout)
    {
        if (edges.Count == 0)
        {
            throw new ArgumentException("At least one edge URL is needed.", nameof(edges));
        }
        Edges = edges;
        clients = [.. edges.Select(edge => Create(edge, connectionsPerEdge, http2, timeout))];
    }

    public IReadOnlyList<Uri> Edges { get; }

    /// <summary>The client of one edge; a shopper keeps to one (<paramref name="key"/> is its number), as a sticky load balancer would.</summary>
    public HttpClient For(long key) => clients[(int)(key % clients.Length)];

    public static HttpClient Create(Uri baseAddress, int connections, bool http2, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            EnableMultipleHttp2Connections = true,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = timeout };
        if (http2)
        {
            client.DefaultRequestVersion = HttpVersion.Version20;
            client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        return client;
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? bearer = null, byte[]? jsonBody = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }
        if (jsonBody is not null)
        {
            request.Content = new ByteArrayContent(jsonBody);
            request.Content.Headers.ContentType = Json;
        }
        return request;
    }

    /// <summary>Sends and reads the answer; the body is kept for 2xx when <paramref name="keepBody"/>, problem bodies are reduced to their type.</summary>
    public static async Task<HttpReply> SendAsync(HttpClient client, HttpRequestMessage request, bool keepBody, CancellationToken ct)
    {
        try
        {
            using (request)
            using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false))
            {
                var status = (int)response.StatusCode;
                var retryAfter = response.Headers.RetryAfter?.Delta;
                if (status is >= 200 and < 300)
                {
                    return new HttpReply(status, "", keepBody ? await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false) : null, retryAfter);
                }
                var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                return new HttpReply(status, ProblemTypes.SlugOf(body, status), null, retryAfter);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new HttpReply(0, "timeout", null, null);
        }
        catch (HttpRequestException e)
        {
            return new HttpReply(0, e.InnerException is SocketException s ? "socket-" + s.SocketErrorCode.ToString().ToLowerInvariant() : "http-" + (e.HttpRequestError.ToString().ToLowerInvariant()), null, null);
        }
        catch (IOException)
        {
            return new HttpReply(0, "io-error", null, null);
        }
    }

    public static byte[] Body<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) => JsonSerializer.SerializeToUtf8Bytes(value, info);

    public void Dispose()
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
