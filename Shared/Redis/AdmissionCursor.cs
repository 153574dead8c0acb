using System.Globalization;
using FlashSale.Shared.Campaigns;
using StackExchange.Redis;

namespace FlashSale.Shared.Redis;

/// <summary>
/// The admission cursor of DESIGN.md: <c>served</c> grows by elapsed time × rate inside one script, so any number
/// of edge instances can tick it without a leader and the integral of the rate is never exceeded. The same script
/// keeps the queue honest: admitted shoppers whose turn lapsed are set aside and waiting shoppers who stopped looking leave it,
/// and with <c>maxActive</c> set the cursor waits while that many admitted shoppers have not finished.
/// </summary>
public sealed class AdmissionCursor(IConnectionMultiplexer redis, TimeProvider time)
{
    /// <summary>
    /// Removes a shopper from the queue. Ranks below <c>served</c> are the admitted ones; when one of them leaves,
    /// <c>served</c> drops by one so the shopper at the cursor is not admitted for free. <c>departed</c> counts those,
    /// so admitted-ever = served + departed.
    /// </summary>
    /// <summary>
    /// A poll refreshes a shopper's seen mark only when the mark is at least this old: most polls then write nothing
    /// (a skiplist update per poll was a visible share of Redis's CPU at 20,000 polls a second). The reaper allows
    /// the same slack, so nobody loses a place sooner than the expiry after their last poll, at most this much later.
    /// </summary>
    public const int SeenRefreshMilliseconds = 5000;

    public const string LeaveFunction = """
        local function leave(adm, queue, active, seen, lapsed, tokenPrefix, user, served)
            local r = redis.call('ZRANK', queue, user)
            redis.call('ZREM', active, user)
            redis.call('ZREM', seen, user)
            redis.call('SREM', lapsed, user)
            redis.call('DEL', tokenPrefix .. user)
            if not r then return served end
            redis.call('ZREM', queue, user)
            if r < math.floor(served) then
                served = served - 1
                redis.call('HINCRBY', adm, 'departed', 1)
            end
            return served
        end
        """;

    // Work per tick is bounded so one tick never blocks Redis for long; what is left is done by the next tick.
    private const int ReapPerTick = 1000;

    // Beyond this, time the edges did not tick (all down, a long pause of the process) is not banked as a burst.
    private const int MaxCatchUpMs = 5000;

    private const string AdvanceBody = LeaveFunction + "\n" + """
        local h = redis.call('HMGET', @adm, 'startMs', 'rate', 'paused', 'served', 'lastMs', 'closed', 'maxActive', 'ttl', 'expiry')
        local startMs = tonumber(h[1])
        if not startMs then return false end
        local now = tonumber(@now)
        local served = tonumber(h[4]) or 0
        local last = tonumber(h[5]) or startMs
        if last < startMs then last = startMs end
        if now >= startMs then
            -- Admitted shoppers whose turn ran out without a claim free their place against maxActive. They stay in the
            -- queue, flagged, so nobody's rank moves (removing ranks below the cursor would skew the admission order);
            -- one who comes back joins again at the back.
            local lapsedNow = redis.call('ZRANGEBYSCORE', @active, '-inf', now, 'LIMIT', 0, @reap)
            for _, user in ipairs(lapsedNow) do
                redis.call('ZREM', @active, user)
                redis.call('ZREM', @seen, user)
                redis.call('DEL', @tokenPrefix .. user)
                redis.call('SADD', @lapsed, user)
            end
            -- Waiting shoppers unseen for the position expiry lose their place; the pre-queue counts from the start.
            local expiry = tonumber(h[9]) or 0
            if expiry > 0 and now - expiry > startMs then
                local stale = redis.call('ZRANGEBYSCORE', @seen, '-inf', now - expiry - @seenRefresh, 'LIMIT', 0, @reap)
                for _, user in ipairs(stale) do
                    local r = redis.call('ZRANK', @queue, user)
                    if r and r >= math.floor(served) then
                        served = leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, user, served)
                    else
                        redis.call('ZREM', @seen, user)
                    end
                end
            end
        end
        if now > last then
            if h[3] ~= '1' and h[6] ~= '1' then
                local before = math.floor(served)
                served = served + math.min(now - last, @catchUp) * tonumber(h[2]) / 1000
                local size = redis.call('ZCARD', @queue)
                if served > size then served = size end
                local maxActive = tonumber(h[7]) or 0
                if maxActive > 0 then
                    local room = maxActive - redis.call('ZCARD', @active)
                    if room < 0 then room = 0 end
                    if served > before + room then served = math.max(before + room, tonumber(h[4]) or 0) end
                end
                local after = math.floor(served)
                if after > before then
                    local deadline = now + (tonumber(h[8]) or 120) * 1000
                    local admitted = redis.call('ZRANGE', @queue, before, after - 1)
                    for _, user in ipairs(admitted) do
                        redis.call('ZADD', @active, 'NX', deadline, user)
                    end
                end
            end
            redis.call('HSET', @adm, 'lastMs', tostring(now))
        end
        redis.call('HSET', @adm, 'served', tostring(served))
        """;

    private static readonly LuaScript Tick = LuaScript.Prepare(AdvanceBody + "\nreturn tostring(served)");

    // Settle the time elapsed at the old settings before the new ones apply, so a change is exact from this instant.
    private static readonly LuaScript Configure = LuaScript.Prepare(
        "if redis.call('EXISTS', @adm) == 1 then\n"
        + "local settle = function()\n" + AdvanceBody + "\nend\nsettle()\n"
        + "end\nredis.call('HSET', @adm, 'startMs', @startMs, 'rate', @rate, 'paused', @paused, 'maxActive', @maxActive, 'ttl', @ttl, 'expiry', @expiry)\n"
        + "redis.call('HSETNX', @adm, 'served', '0')\nreturn 1");

    public async Task<double?> AdvanceAsync(string campaignId)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(Tick, Keys(campaignId));
        return result.IsNull ? null : double.Parse((string)result!, CultureInfo.InvariantCulture);
    }

    public Task ConfigureAsync(Campaign campaign) =>
        redis.GetDatabase().ScriptEvaluateAsync(Configure, new
        {
            adm = (RedisKey)RedisKeys.Admission(campaign.Id),
            queue = (RedisKey)RedisKeys.Queue(campaign.Id),
            active = (RedisKey)RedisKeys.Active(campaign.Id),
            seen = (RedisKey)RedisKeys.Seen(campaign.Id),
            lapsed = (RedisKey)RedisKeys.Lapsed(campaign.Id),
            tokenPrefix = RedisKeys.Token(campaign.Id, ""),
            now = time.GetUtcNow().ToUnixTimeMilliseconds(),
            reap = ReapPerTick,
            catchUp = MaxCatchUpMs,
            seenRefresh = SeenRefreshMilliseconds,
            startMs = campaign.StartsAt.ToUnixTimeMilliseconds(),
            rate = campaign.Admission.RatePerSecond,
            paused = campaign.Admission.Paused ? "1" : "0",
            maxActive = campaign.Admission.MaxActive ?? 0,
            ttl = campaign.Admission.TokenTtlSeconds,
            expiry = campaign.Admission.PositionExpirySeconds * 1000L,
        });

    /// <summary>Sold out or cancelled: the cursor stops until units come back.</summary>
    public Task CloseAsync(string campaignId) =>
        redis.GetDatabase().HashSetAsync(RedisKeys.Admission(campaignId), "closed", "1");

    /// <summary>Units came back after a sell-out. Time spent closed was settled by each tick, so no burst follows.</summary>
    public Task ReopenAsync(string campaignId) =>
        redis.GetDatabase().HashDeleteAsync(RedisKeys.Admission(campaignId), "closed");

    private object Keys(string campaignId) => new
    {
        adm = (RedisKey)RedisKeys.Admission(campaignId),
        queue = (RedisKey)RedisKeys.Queue(campaignId),
        active = (RedisKey)RedisKeys.Active(campaignId),
        seen = (RedisKey)RedisKeys.Seen(campaignId),
        lapsed = (RedisKey)RedisKeys.Lapsed(campaignId),
        tokenPrefix = RedisKeys.Token(campaignId, ""),
        now = time.GetUtcNow().ToUnixTimeMilliseconds(),
        reap = ReapPerTick,
        catchUp = MaxCatchUpMs,
        seenRefresh = SeenRefreshMilliseconds,
    };
}
