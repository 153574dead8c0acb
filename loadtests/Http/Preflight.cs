namespace FlashSale.LoadTests.Http;

public static class Preflight
{
    /// <summary>Fails fast, naming the URL, when an edge does not answer /healthz: a run against nothing measures nothing.</summary>
    public static async Task EdgesHealthyAsync(LoadHttp http, CancellationToken ct)
    {
        for (var i = 0; i < http.Edges.Count; i++)
        {
            var reply = await LoadHttp.SendAsync(http.For(i), LoadHttp.Request(HttpMethod.Get, "/healthz"), keepBody: false, ct);
            if (reply.Status != 200)
            {
                throw new InvalidOperationException($"The edge {http.Edges[i]} does not answer /healthz ({(reply.Status == 0 ? reply.Type : reply.Status)}); is the system up?");
            }
        }
    }
}
