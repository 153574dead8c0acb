using System.Diagnostics;
using System.Text.Json;
using FlashSale.LoadTests.Campaign;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Bench;

/// <summary>
/// The preparation the focused benchmarks share, done before anything is measured: a campaign, shoppers joined,
/// the cursor past them, their admission tokens in hand. Setup requests are recorded as "setup: …" steps.
/// </summary>
public sealed class BenchSetup(LoadHttp http, AdminClient admin, SessionMinter minter, RunMetrics metrics, string tag)
{
    public string UserId(long i) => tag + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public Task<string> CreateCampaignAsync(int stock, int rate, int startsInSeconds, int durationSeconds, CancellationToken ct) =>
        admin.CreateCampaignAsync(new CreateCampaign($"Bench {tag}", DateTimeOffset.UtcNow.AddSeconds(startsInSeconds), durationSeconds, stock,
            new CouponSpec("percent", 20), new AdmissionSpec(rate, 900)), ct);

    /// <summary>Joins users 0..n-1; returns how many were answered 202.</summary>
    public async Task<int> JoinAsync(string campaignId, int n, int concurrency, CancellationToken ct)
    {
        var joined = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
        {
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(i), LoadHttp.Request(HttpMethod.Post, $"/api/campaigns/{campaignId}/queue", minter.Mint(UserId(i))), false, token);
            metrics.Step("setup: join").Record(started, reply.ToOutcome());
            if (reply.Status == 202)
            {
                Interlocked.Increment(ref joined);
            }
        });
        return joined;
    }

    /// <summary>Waits (up to <paramref name="timeout"/>) until the admission cursor has passed <paramref name="served"/> shoppers.</summary>
    public async Task WaitForCursorAsync(string campaignId, long served, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (await admin.MetricsAsync(campaignId, ct) is { } m && m.Served >= served)
            {
                return;
            }
            await Task.Delay(250, ct);
        }
        throw new TimeoutException($"The admission cursor of {campaignId} did not reach {served} within {timeout.TotalSeconds:0} s.");
    }

    /// <summary>Each user's admission token, by one poll each; users not admitted get null.</summary>
    public async Task<string?[]> AdmissionTokensAsync(string campaignId, int n, int concurrency, CancellationToken ct)
    {
        var tokens = new string?[n];
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
        {
            var started = Stopwatch.GetTimestamp();
            var reply = await LoadHttp.SendAsync(http.For(i), LoadHttp.Request(HttpMethod.Get, $"/api/campaigns/{campaignId}/queue", minter.Mint(UserId(i))), true, token);
            metrics.Step("setup: fetch admission token").Record(started, reply.ToOutcome());
            if (reply.Status == 200 && reply.Body is { } body)
            {
                tokens[i] = JsonSerializer.Deserialize(body, LoadJson.Default.QueueReply)?.AdmissionToken;
            }
        });
        return tokens;
    }
}
