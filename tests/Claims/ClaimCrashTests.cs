using System.Collections.Concurrent;
using System.Net;
using Dapper;
using FlashSale.Shared.Campaigns;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Claims;

/// <summary>Failures only real processes and a real database can show: kill -9 of a ClaimApi, PostgreSQL going away.</summary>
[Collection(SystemCollection.Name)]
public sealed class ClaimCrashTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task KillNine_MidStorm_AcknowledgedClaimsSurvive_LeasedUnitsComeBack_SellsOutExactly()
    {
        const int stock = 300, shoppers = 3000;
        var campaign = await InsertLiveCampaignAsync(stock);
        string[] fast = ["--ClaimApi:LeaseExpirySeconds=2", "--ClaimApi:HeartbeatMilliseconds=300"];
        await using var survivor = await ClaimApiProcess.StartAsync(fast);
        await using var victim = await ClaimApiProcess.StartAsync(fast);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var tokens = Enumerable.Range(0, shoppers).Select(i => Mint.Token(campaign, $"k{i}", TimeProvider.System)).ToArray();
        var acknowledged = new ConcurrentDictionary<string, string>();
        var work = new ConcurrentQueue<(int Shopper, int Attempt)>(Enumerable.Range(0, shoppers).Select(i => (i, 0)));
        var soldOut = 0;
        var killed = 0;

        async Task WorkerAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (DateTime.UtcNow < deadline && work.TryDequeue(out var job))
            {
                // Alternate instances; after the kill, requests still go to the dead one first, as a balancer's would.
                var target = (job.Shopper + job.Attempt) % 2 == 0 ? survivor.Url : victim.Url;
                HttpResponseMessage response;
                try
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target, $"/api/campaigns/{campaign}/claims"));
                    request.Headers.Authorization = new("Bearer", tokens[job.Shopper]);
                    response = await client.SendAsync(request);
                }
                catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException or IOException)
                {
                    // The dead instance refuses, resets, or (connecting just as it dies) leaves the socket unconnected.
                    work.Enqueue((job.Shopper, job.Attempt + 1));
                    continue;
                }
                switch (response.StatusCode)
                {
                    case HttpStatusCode.Created or HttpStatusCode.OK:
                        var body = await response.JsonAsync();
                        var code = body["couponCode"]!.GetValue<string>();
                        Assert.Equal(code, acknowledged.GetOrAdd($"k{job.Shopper}", code));
                        if (acknowledged.Count >= 100 && Interlocked.Exchange(ref killed, 1) == 0)
                        {
                            victim.KillHard();
                        }
                        break;
                    case HttpStatusCode.Gone:
                        Interlocked.Increment(ref soldOut);
                        break;
                    default:
                        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                        await Task.Delay(50);
                        work.Enqueue((job.Shopper, job.Attempt + 1));
                        break;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(WorkerAsync)));

        Assert.Equal(1, killed);
        Assert.True(work.IsEmpty, "every shopper got a final answer");
        await using var conn = await sys.Db.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string User, string Code)>(
            "select user_id, coupon_code from claims where campaign_id = @campaign and status = 'claimed'", new { campaign }))
            .ToDictionary(r => r.User, r => r.Code);
        var state = string.Join("; ", await conn.QueryAsync<string>(
            """
            select 'available=' || available from campaigns where id = @campaign
            union all select instance_id || ' granted=' || sum(granted) || ' used=' || sum(used) || ' returned=' || sum(returned) || ' open=' || count(*) filter (where closed_at is null)
            from leases where campaign_id = @campaign group by instance_id
            union all select 'claims ' || status || '=' || count(*) from claims where campaign_id = @campaign group by status
            """,
            new { campaign }));
        Assert.True(rows.Count == stock, $"{rows.Count} claims; acknowledged {acknowledged.Count}; sold out {soldOut}; victim {victim.InstanceId}; {state}");
        Assert.Equal(stock, acknowledged.Count);
        Assert.All(acknowledged, a => Assert.Equal(a.Value, rows[a.Key]));
        Assert.Equal(shoppers - stock, soldOut);

        // The victim's leases are closed by the survivor's reconciler once they expire (2 s here), each returning
        // granted − used − returned; the sell-out may come first when every unit they held was already claimed.
        var open = await Poll.UntilAsync(
            () => conn.ExecuteScalarAsync<int>("select count(*) from leases where instance_id = @id and closed_at is null", new { id = victim.InstanceId }),
            n => n == 0, everyMilliseconds: 200);
        Assert.Equal(0, open);
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    [Fact]
    public async Task PostgresStopped_MidStorm_ClaimsFailFastWith503_NothingHalfWritten_RecoversAfterRestart()
    {
        const int stock = 200;
        var campaign = await sys.CreateCampaignAsync(stock);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        var tokens = Enumerable.Range(0, 150).Select(i => Mint.Token(campaign, $"pg{i}", sys.Clock)).ToArray();
        using var client = sys.NewClient();
        var before = await Task.WhenAll(tokens[..50].Select(t => sys.ClaimAsync(campaign, t, client)));
        Assert.All(before, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        HttpResponseMessage[] during;
        await PostgresControl.StopAsync();
        try
        {
            var started = DateTime.UtcNow;
            during = await Task.WhenAll(tokens[50..].Select(t => sys.ClaimAsync(campaign, t, client)));
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "claims must fail fast while PostgreSQL is down");
        }
        finally
        {
            await PostgresControl.StartAsync();
            sys.ClearPostgresPools();
        }

        Assert.Contains(during, r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        foreach (var failed in during.Where(r => r.StatusCode != HttpStatusCode.Created).Take(10))
        {
            await Api.AssertProblemAsync(failed, HttpStatusCode.ServiceUnavailable, "/overloaded");
            Assert.NotNull(failed.Headers.RetryAfter);
        }

        // Recovery without a restart of ours: the same shoppers retry until each has a coupon.
        var acknowledged = new Dictionary<string, string>();
        foreach (var r in before.Concat(during).Where(r => r.StatusCode == HttpStatusCode.Created))
        {
            var body = await r.JsonAsync();
            acknowledged[body["userId"]!.GetValue<string>()] = body["couponCode"]!.GetValue<string>();
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (var i = 50; i < tokens.Length && DateTime.UtcNow < deadline; i++)
        {
            var response = await sys.ClaimAsync(campaign, tokens[i], client);
            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
            {
                var body = await response.JsonAsync();
                Assert.Equal(body["couponCode"]!.GetValue<string>(), acknowledged.GetValueOrDefault($"pg{i}", body["couponCode"]!.GetValue<string>()));
                acknowledged[$"pg{i}"] = body["couponCode"]!.GetValue<string>();
            }
            else
            {
                await Task.Delay(200);
                i--;
            }
        }
        Assert.Equal(tokens.Length, acknowledged.Count);

        await using var conn = await sys.Db.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string User, string Code)>(
            "select user_id, coupon_code from claims where campaign_id = @campaign", new { campaign })).ToDictionary(r => r.User, r => r.Code);
        Assert.Equal(acknowledged.OrderBy(a => a.Key), rows.OrderBy(r => r.Key));
        await InventoryAssert.BalancesAsync(conn, campaign);
    }

    /// <summary>Straight into PostgreSQL with the real clock: the claim processes run on real time, not the tests' clock.</summary>
    private async Task<string> InsertLiveCampaignAsync(int stock)
    {
        var now = DateTimeOffset.UtcNow;
        var campaign = new Campaign(CampaignIds.New(), "crash test", now.AddSeconds(-1), now.AddMinutes(10), stock, 1,
            new CouponSettings("percent", 10), new AdmissionSettings(1000), null, now);
        await using var conn = await sys.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await new CampaignStore(sys.Db).InsertAsync(campaign, conn, tx);
        await tx.CommitAsync();
        return campaign.Id;
    }
}
