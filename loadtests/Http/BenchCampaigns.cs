using System.Collections.Concurrent;
using FlashSale.LoadTests.Cli;
using FlashSale.Shared.Redis;
using StackExchange.Redis;

namespace FlashSale.LoadTests.Http;

/// <summary>
/// The campaigns a run created, retired when it ends: cancelled through Admin, so the edges stop ticking them, and
/// their queues and admission tokens unlinked from Redis. Left behind (a claim-storm's tokens live 15 minutes), they
/// made every RDB snapshot of the dev Redis a fork and 3 to 5 s of a core, once a minute, in the middle of the next
/// run's measurements. The claims stay in PostgreSQL, and the campaigns stay listed in Admin.
/// </summary>
public static class BenchCampaigns
{
    private static readonly ConcurrentDictionary<string, bool> Created = new(StringComparer.Ordinal);

    public static void Record(string campaignId) => Created.TryAdd(campaignId, true);

    /// <summary>Leaves a campaign as it is when the run ends (queue-memory's <c>--keep</c>).</summary>
    public static void Keep(string campaignId) => Created.TryRemove(campaignId, out _);

    /// <summary>Retires what this run created; answers how many queues went. Best effort: a run's result never depends on it.</summary>
    public static async Task<int> RetireAsync(Target target, CancellationToken ct)
    {
        var ids = new List<string>();
        foreach (var id in Created.Keys)
        {
            if (Created.TryRemove(id, out _))
            {
                ids.Add(id);
            }
        }
        if (ids.Count == 0)
        {
            return 0;
        }
        using var http = new HttpClient { BaseAddress = target.Edges[0], Timeout = TimeSpan.FromSeconds(10) };
        var admin = new AdminClient(http, target.AdminKey);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(target.Redis);
        var redis = mux.GetDatabase();
        var server = mux.GetServers()[0];
        var unlinked = 0;
        foreach (var id in ids)
        {
            // An ended campaign cannot be cancelled any more (409); its queue goes all the same.
            await admin.CancelAsync(id, ct);
            // UNLINK, not DEL: a queue of millions is freed by a background thread instead of blocking Redis for seconds.
            // A campaign's keys share its hash tag, so one UNLINK may name many of them, also on a cluster.
            unlinked += (int)await redis.ExecuteAsync("UNLINK", RedisKeys.PerShopper(id));
            var tokens = new List<object>();
            await foreach (var key in server.KeysAsync(pattern: RedisKeys.Token(id, "*"), pageSize: 1000))
            {
                tokens.Add(key);
                if (tokens.Count == 1000)
                {
                    unlinked += (int)await redis.ExecuteAsync("UNLINK", tokens.ToArray());
                    tokens.Clear();
                }
            }
            if (tokens.Count > 0)
            {
                unlinked += (int)await redis.ExecuteAsync("UNLINK", tokens.ToArray());
            }
        }
        return unlinked;
    }
}
