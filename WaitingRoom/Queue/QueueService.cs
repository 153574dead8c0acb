using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Hosting;
using FlashSale.Shared.Redis;
using FlashSale.Shared.Tokens;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.WaitingRoom.Queue;

public sealed record QueueStatusResponse(
    string Status,
    long? Rank = null,
    long? Ahead = null,
    double? EtaSeconds = null,
    string? AdmissionToken = null,
    DateTimeOffset? TokenExpiresAt = null);

/// <summary>Joining and reading a place in one campaign's queue.</summary>
public sealed class QueueService
{
    // The key of a campaign's pre-queue permutation, if this edge is the first to need one: whoever writes it first
    // wins, and it never leaves Redis, so nobody can work out from their join time where they will stand.
    private static readonly string PermutationKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    // One batch of a campaign's joins, and one of its polls, on its way at a time: what arrives meanwhile waits for it
    // and goes in the next, twice as large as with two in flight. A script call costs Redis tens of µs before its first
    // member (about 1.5 µs a join at a storm's batch sizes with two), and Redis, a small part of a join's CPU, has no
    // need to overlap them.
    private const int MaxBatch = 256;
    private const int MaxInFlight = 1;

    private readonly ConcurrentDictionary<string, RoundTripBatcher<(Campaign Campaign, string Member), Answer<JoinAnswer>>> joins = new();
    private readonly ConcurrentDictionary<string, RoundTripBatcher<(Campaign Campaign, string Member), Answer<RedisResult[]>>> polls = new();
    private readonly OncePer idleDrops;
    private readonly IConnectionMultiplexer redis;
    private readonly AdmissionTokens tokens;
    private readonly TimeProvider time;
    private readonly PrequeueMembers prequeue;
    private readonly LivePlaces live;
    private readonly Task leavesHeard;
    private long prequeueAnswers;

    public QueueService(IConnectionMultiplexer redis, AdmissionTokens tokens, TimeProvider time, IOptions<WaitingRoomOptions> options, IMeterFactory? meters = null)
    {
        this.redis = redis;
        this.tokens = tokens;
        this.time = time;
        idleDrops = new OncePer(TimeSpan.FromMinutes(1), time);
        prequeue = new PrequeueMembers(options.Value.PrequeueCacheMembers, time);
        live = new LivePlaces(options.Value.LivePlacesMembers, time);
        // Read when exported, so a poll pays nothing for it.
        meters?.Create(ServiceDefaults.MeterName).CreateObservableCounter("flashsale.queue.answers_from_memory", () => new[]
        {
            new Measurement<long>(Interlocked.Read(ref prequeueAnswers), new KeyValuePair<string, object?>("phase", "prequeue")),
            new Measurement<long>(live.Answered, new KeyValuePair<string, object?>("phase", "live")),
        }, description: "Queue answers this edge gave from memory, without Redis: pre-queue polls and re-joins, and waiting shoppers' polls after the start");
        // Asynchronously: this service is made by the first queue request, in a storm, and a blocking SUBSCRIBE there
        // starved the thread pool that Redis's reader needs. Until the subscription stands nothing is remembered.
        leavesHeard = redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.LeavesChannel), (_, message) =>
        {
            if (QueueLeaves.TryParse(message, out var campaignId, out var member))
            {
                prequeue.Remove(campaignId, member);
                live.Remove(campaignId, member);
            }
        });
        // Sold out, cancelled, admission retuned: polls answered from memory must not wait for the next answer from Redis to see it.
        _ = redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.EventsChannel), (_, message) =>
        {
            if (CampaignEvents.TryParse(message, out var kind, out var campaignId) && kind is CampaignEvents.SoldOut or CampaignEvents.Changed)
            {
                live.ForgetCursor(campaignId);
            }
        });
        // Leaves announced while the subscription was down went unheard: what this edge knew may be stale.
        redis.ConnectionRestored += (_, _) =>
        {
            prequeue.Clear();
            live.Clear();
        };
    }

    /// <summary>Done once this edge hears the other edges' leaves; for tests.</summary>
    internal Task LeavesHeard => leavesHeard;

    /// <summary>Pre-queue members this edge answers for from memory; for tests.</summary>
    internal PrequeueMembers Prequeue => prequeue;

    /// <summary>Waiting shoppers this edge answers for from memory after the start; for tests.</summary>
    internal LivePlaces Live => live;

    /// <summary>One member's part of a batch's answer, with the campaign and the instant the batch was sent as: the answer describes the queue then.</summary>
    private readonly record struct Answer<TPart>(TPart Part, Campaign Campaign, DateTimeOffset Now);

    /// <summary>Joins, or answers null when the campaign is sold out (nobody joins a line with nothing at its end).</summary>
    public Task<QueueStatusResponse?> JoinAsync(Campaign campaign, string userId)
    {
        DropIdleBatchersWhenDue();
        // A page reloaded before the start joins again: that changes nothing (the place stays, and a seen mark before
        // the start counts from the start), so a known member gets the same "prequeue" without Redis.
        var member = QueueMember.Of(userId);
        return KnownOrAskAsync(campaign, member, () => SendJoinAsync(campaign, member));
    }

    private async Task<QueueStatusResponse?> SendJoinAsync(Campaign campaign, string member)
    {
        var batcher = joins.GetOrAdd(campaign.Id, id => Batcher((members, latest, now) =>
            QueueScripts.JoinManyAsync(redis.GetDatabase(), id, members, PermutationKey, now, latest.StartsAt.ToUnixTimeMilliseconds(), latest.Stock)));
        var ticket = live.Watch(campaign.Id);
        var (joined, asSent, at) = await batcher.SendAsync((campaign, member));
        if (joined.Rank < 0)
        {
            return null;
        }
        var status = Describe(asSent, at, joined.Rank, joined.Served, joined.Closed, token: null, deadline: null);
        if (status.Status == "waiting" && joined.Mark > 0)
        {
            live.Remember(ticket, asSent, member, joined.Rank, joined.Served, joined.Left, joined.Mark, at);
        }
        return status;
    }

    /// <summary>
    /// Before the start, answers a member this edge knows to be in line from memory (all Redis would say is "still in
    /// line", and only a leave changes that); otherwise asks Redis through <paramref name="ask"/>, and remembers a
    /// "prequeue" answer unless a leave came in between. After the start it always asks.
    /// </summary>
    private async Task<QueueStatusResponse?> KnownOrAskAsync(Campaign campaign, string member, Func<Task<QueueStatusResponse?>> ask)
    {
        var asked = time.GetUtcNow();
        if (campaign.StateAt(asked) != CampaignState.Scheduled)
        {
            return await ask();
        }
        if (prequeue.Contains(campaign.Id, member))
        {
            Interlocked.Increment(ref prequeueAnswers);
            return Describe(campaign, asked, 0, 0, closed: false, token: null, deadline: null);
        }
        var ticket = prequeue.Watch(campaign.Id);
        var status = await ask();
        if (status is { Status: "prequeue" } && leavesHeard.IsCompletedSuccessfully)
        {
            prequeue.Add(ticket, member, campaign.StartsAt);
        }
        return status;
    }

    /// <summary>
    /// A batcher for one campaign's script: the members of a batch go in one call, described by the newest view of the
    /// campaign among them (a change before the start moves its start or stock) and by the instant the batch is sent.
    /// </summary>
    private RoundTripBatcher<(Campaign Campaign, string Member), Answer<TPart>> Batcher<TPart>(Func<string[], Campaign, long, Task<TPart[]>> run) =>
        new(async batch =>
        {
            var now = time.GetUtcNow();
            var members = new string[batch.Count];
            for (var i = 0; i < members.Length; i++)
            {
                members[i] = batch[i].Member;
            }
            var latest = batch[^1].Campaign;
            var answers = await run(members, latest, now.ToUnixTimeMilliseconds());
            return Array.ConvertAll(answers, a => new Answer<TPart>(a, latest, now));
        }, MaxBatch, MaxInFlight);

    /// <summary>
    /// A campaign's batchers live while it is busy: an edge that runs for months of campaigns drops those of the quiet
    /// ones every minute (a busy one keeps its batcher, and a dropped one is made again by the next request).
    /// </summary>
    private void DropIdleBatchersWhenDue()
    {
        if (idleDrops.TryTake())
        {
            DropIdle(joins);
            DropIdle(polls);
            prequeue.DropStartedOrIdle();
            live.DropEndedOrIdle();
        }
    }

    private static void DropIdle<TItem, TResult>(ConcurrentDictionary<string, RoundTripBatcher<TItem, TResult>> batchers)
    {
        foreach (var (id, batcher) in batchers)
        {
            if (batcher.IsIdle)
            {
                batchers.TryRemove(new KeyValuePair<string, RoundTripBatcher<TItem, TResult>>(id, batcher));
            }
        }
    }

    /// <summary>Number of campaigns with a join or poll batcher; for tests.</summary>
    internal int BatcherCount => joins.Count + polls.Count;

    /// <summary>Gives up a place (or an open turn, which goes to the next in line). False when not in the queue.</summary>
    public async Task<bool> LeaveAsync(Campaign campaign, string userId)
    {
        var member = QueueMember.Of(userId);
        if ((long)await QueueScripts.LeaveAsync(redis.GetDatabase(), campaign.Id, member) != 1)
        {
            return false;
        }
        prequeue.Remove(campaign.Id, member);
        live.Remove(campaign.Id, member);
        // Every edge hears it, this one too (harmlessly): the others may be answering this shopper's polls from memory.
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisKeys.LeavesChannel), QueueLeaves.Format(campaign.Id, member));
        return true;
    }

    public async Task<QueueStatusResponse> StatusAsync(Campaign campaign, string userId)
    {
        DropIdleBatchersWhenDue();
        var member = QueueMember.Of(userId);
        var now = time.GetUtcNow();
        if (campaign.StateAt(now) == CampaignState.Live && live.TryAnswer(campaign, member, now, out var rank, out var served))
        {
            return Describe(campaign, now, rank, served, closed: false, token: null, deadline: null);
        }
        // Never null: ReadStatusAsync always answers, and so does memory.
        return (await KnownOrAskAsync(campaign, member, async () => await ReadStatusAsync(campaign, userId, member)))!;
    }

    private async Task<QueueStatusResponse> ReadStatusAsync(Campaign campaign, string userId, string member)
    {
        var batcher = polls.GetOrAdd(campaign.Id, id => Batcher(async (members, latest, now) =>
            Array.ConvertAll((RedisResult[])(await QueueScripts.StatusManyAsync(redis.GetDatabase(), id, members, now, latest.StartsAt.ToUnixTimeMilliseconds()))!, a => (RedisResult[])a!)));
        var ticket = live.Watch(campaign.Id);
        (var parts, campaign, var now) = await batcher.SendAsync((campaign, member));
        var closed = (string?)parts[2] == "1";
        if ((long)parts[0] < 0)
        {
            // Out of line (never joined, gave up, or a lapsed turn): after a sell-out the truthful answer is still sold out.
            var state = campaign.StateAt(now);
            return new QueueStatusResponse(
                state is CampaignState.Ended or CampaignState.Cancelled ? "ended" : closed ? "soldout" : "not-in-queue");
        }
        var deadline = (string?)parts[4] is { Length: > 0 } d ? DateTimeOffset.FromUnixTimeMilliseconds((long)double.Parse(d, CultureInfo.InvariantCulture)) : (DateTimeOffset?)null;
        var served = QueueScripts.Cursor((string?)parts[1]);
        var status = Describe(campaign, now, (long)parts[0], served, closed, (string?)parts[3], deadline);
        if (parts.Length >= 7)
        {
            if (status.Status == "waiting")
            {
                live.Remember(ticket, campaign, member, (long)parts[0], served, (long)parts[6], (long)parts[5], now);
            }
            else
            {
                // Sold out behind the cursor: memory stops answering now, not only once the announcement arrives.
                live.See(campaign.Id, served, closed, (long)parts[6], now);
            }
        }
        if (status.Status != "admitted" || status.AdmissionToken is not null || deadline is not { } turnEnds)
        {
            // Admitted without an open turn is a shopper who has already claimed: there is nothing more to hand out.
            return status;
        }
        // A turn with under a second left is as good as lapsed: no token could be used in it.
        return turnEnds - now >= TimeSpan.FromSeconds(1) ? await AdmitAsync(campaign, userId, status, turnEnds) : new QueueStatusResponse("not-in-queue");
    }

    private static QueueStatusResponse Describe(Campaign campaign, DateTimeOffset now, long index, double served, bool closed, string? token, DateTimeOffset? deadline)
    {
        var state = campaign.StateAt(now);
        if (state is CampaignState.Ended or CampaignState.Cancelled)
        {
            return new QueueStatusResponse("ended");
        }
        var rate = (double)campaign.Admission.RatePerSecond;
        if (state == CampaignState.Scheduled)
        {
            // Before the start a pre-queue place is a lottery ticket, not a position: it is drawn again by everyone who joins.
            return new QueueStatusResponse("prequeue", EtaSeconds: Math.Round((campaign.StartsAt - now).TotalSeconds, 1));
        }
        if (index < (long)Math.Floor(served))
        {
            if (closed)
            {
                return new QueueStatusResponse("soldout", index + 1, 0);
            }
            var expires = token is { Length: > 0 } ? ExpiryOf(token) ?? deadline : null;
            return new QueueStatusResponse("admitted", index + 1, 0, 0, string.IsNullOrEmpty(token) ? null : token, expires);
        }
        if (closed)
        {
            return new QueueStatusResponse("soldout", index + 1);
        }
        var ahead = index - (long)Math.Floor(served);
        double? eta = campaign.Admission.Paused ? null : Math.Round((index + 1 - served) / rate, 1);
        return new QueueStatusResponse("waiting", index + 1, ahead, eta);
    }

    private async Task<QueueStatusResponse> AdmitAsync(Campaign campaign, string userId, QueueStatusResponse status, DateTimeOffset turnEnds)
    {
        // The token lives as long as the turn: when it lapses unused, the place it held is free for the next shopper.
        var ttl = turnEnds - time.GetUtcNow();
        var (token, expires) = tokens.Issue(userId, campaign.Id, ttl);
        var db = redis.GetDatabase();
        var key = RedisKeys.Token(campaign.Id, QueueMember.Of(userId));
        // Two polls racing must hand out one admission, not two: the first SET wins and the loser reads it back.
        if (!await db.StringSetAsync(key, token, ttl, When.NotExists))
        {
            var existing = await db.StringGetAsync(key);
            if (!existing.IsNullOrEmpty)
            {
                token = existing!;
                expires = ExpiryOf(token) ?? expires;
            }
        }
        return status with { AdmissionToken = token, TokenExpiresAt = expires };
    }

    private static DateTimeOffset? ExpiryOf(string token)
    {
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token);
        return jwt.TryGetPayloadValue<long>("exp", out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : null;
    }
}
