using System.Globalization;
using FlashSale.Shared.Redis;
using StackExchange.Redis;

namespace FlashSale.LoadTests.Bench;

/// <summary>
/// Pre-queue members written straight to Redis, for scenarios that need a queue larger than joining through the edge
/// would build in time. Each runs the edge's own join script with the arguments the edge passes, so the queue, the
/// seen marks and the join counter are exactly what that many joins leave behind.
/// </summary>
public static class QueueFill
{
    private const int Batch = 1_000;

    /// <summary>The queue member of the i-th filler shopper.</summary>
    public static string Member(string tag, long i) => QueueMember.Of(tag + "-f" + i.ToString(CultureInfo.InvariantCulture));

    public static async Task PreQueueAsync(IDatabase redis, string campaignId, string tag, long members, CancellationToken ct, int inFlight = 32, Action<long>? written = null)
    {
        var adm = await redis.HashGetAllAsync(RedisKeys.Admission(campaignId));
        var startMs = adm.FirstOrDefault(e => e.Name == "startMs").Value;
        if (startMs.IsNull)
        {
            throw new InvalidOperationException($"Campaign {campaignId} has no admission settings in Redis yet.");
        }
        var perm = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var pending = new List<Task>(inFlight);
        long done = 0;
        for (long from = 0; from < members; from += Batch)
        {
            ct.ThrowIfCancellationRequested();
            var n = (int)Math.Min(Batch, members - from);
            var batch = redis.CreateBatch();
            var joins = new Task[n];
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (var i = 0; i < n; i++)
            {
                joins[i] = QueueScripts.JoinAsync(batch, campaignId, Member(tag, from + i), perm, now, (long)startMs, long.MaxValue);
            }
            batch.Execute();
            pending.Add(Task.WhenAll(joins));
            if (pending.Count >= inFlight)
            {
                await Task.WhenAll(pending);
                done += (long)pending.Count * Batch;
                written?.Invoke(Math.Min(done, members));
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
        written?.Invoke(members);
    }
}
