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
    /// A poll refreshes a shopper's seen mark only when the mark is at least this old: most polls then write nothing,
    /// and an edge answers them from memory (<c>LivePlaces</c>; a page polls every 1–3 s). The reaper allows the same
    /// slack, so nobody loses a place sooner than the expiry after their last poll (60 s at the least), at most this
    /// much later.
    /// </summary>
    public const int SeenRefreshMilliseconds = 15_000;

    // Work per tick is bounded so one tick never blocks Redis for long; what is left is done by the next tick.
    private const int ReapPerTick = 1000;

    // Seen marks the reaper reads per tick: enough for a pass over all of them every quarter of the position expiry,
    // within these bounds. Reading 16,384 marks (64 KiB) measured 1.9 ms of Redis, so a pass over 2M marks with a
    // 120 s expiry costs about 4 ms of Redis a second however many edges tick.
    private const int ScanAtLeast = 1_024;
    private const int ScanAtMost = 16_384;

    // Beyond this, time the edges did not tick (all down, a long pause of the process) is not banked as a burst.
    private const int MaxCatchUpMs = 5000;

    private const string AdvanceBody = """
        local h = redis.call('HMGET', @adm, 'startMs', 'rate', 'paused', 'served', 'lastMs', 'closed', 'maxActive', 'ttl', 'expiry', 'perm')
        local startMs = tonumber(h[1])
        if not startMs then return false end
        local now = tonumber(@now)
        local served = tonumber(h[4]) or 0
        local last = tonumber(h[5]) or startMs
        local key = h[10] or ''
        if last < startMs then last = startMs end
        local cutoff = staleBefore(h[1], h[9], now, tonumber(@seenRefresh))
        local function stale(score)
            return expired(seenAt(@seen, indexOf(score, key)), cutoff)
        end
        if now >= startMs then
            -- Admitted shoppers whose turn ran out without a claim free their place against maxActive. They stay in the
            -- queue, flagged, so nobody's rank moves (removing ranks below the cursor would skew the admission order);
            -- one who comes back joins again at the back.
            local lapsedNow = redis.call('ZRANGEBYSCORE', @active, '-inf', now, 'LIMIT', 0, @reap)
            for _, user in ipairs(lapsedNow) do
                redis.call('ZREM', @active, user)
                redis.call('DEL', @tokenPrefix .. user)
                redis.call('SADD', @lapsed, user)
            end
            -- Waiting shoppers unseen for the position expiry lose their place. The reaper walks the seen marks in
            -- join order, a slice per tick, resuming where the last tick stopped; marks of admitted shoppers are
            -- cleared (the expiry is for waiting), so each stale mark is handled once.
            local joins = tonumber(redis.call('HGET', @adm, 'joins') or '0')
            if cutoff and joins > 0 then
                local reap = redis.call('HMGET', @adm, 'reapAt', 'reapMs')
                local from = tonumber(reap[1]) or 0
                if from >= joins then from = 0 end
                local elapsed = now - (tonumber(reap[2]) or 0)
                local budget = math.max(tonumber(@scanMin), math.min(tonumber(@scanMax), math.ceil(joins * elapsed * 4 / tonumber(h[9]))))
                local marks = redis.call('GETRANGE', @seen, from * 4, math.min(from + budget, joins) * 4 - 1)
                local nextFrom, found = from + #marks / 4, 0
                for i = 0, #marks / 4 - 1 do
                    local a, b, c, d = string.byte(marks, i * 4 + 1, i * 4 + 4)
                    local mark = ((a * 256 + b) * 256 + c) * 256 + d
                    if expired(mark, cutoff) then
                        local index = from + i
                        local user = memberAt(@queue, index, key)
                        if user and redis.call('ZRANK', @queue, user) >= math.floor(served) then
                            served = leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, user, served)
                        else
                            clearMark(@seen, index)
                        end
                        found = found + 1
                        if found >= tonumber(@reap) then
                            nextFrom = index + 1
                            break
                        end
                    end
                end
                redis.call('HSET', @adm, 'reapAt', tostring(nextFrom), 'reapMs', tostring(now))
            end
        end
        -- A tick's cursor is what shoppers read until the next one: it counts to a little past its own instant.
        local target = now + tonumber(@lead)
        if target > last then
            if h[3] ~= '1' and h[6] ~= '1' then
                local before = math.floor(served)
                served = served + math.min(target - last, @catchUp) * tonumber(h[2]) / 1000
                -- A turn is never spent on someone already gone: those in the stretch about to be admitted whose mark
                -- has expired leave first (the reaper may not have reached them), and those behind move up. When more
                -- than a tick's removals are gone, admission stops short of the first of them; the next tick goes on.
                if cutoff and math.floor(served) > before then
                    local removed, clean = 0, false
                    while removed < tonumber(@reap) do
                        local window = redis.call('ZRANGE', @queue, before, math.floor(served) - 1, 'WITHSCORES')
                        local gone = 0
                        for i = 1, #window, 2 do
                            if stale(window[i + 1]) then
                                leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, window[i], before)
                                gone = gone + 1
                            end
                        end
                        removed = removed + gone
                        if gone == 0 then
                            clean = true
                            break
                        end
                    end
                    if not clean then
                        local window = redis.call('ZRANGE', @queue, before, math.floor(served) - 1, 'WITHSCORES')
                        for i = 1, #window, 2 do
                            if stale(window[i + 1]) then
                                served = before + (i - 1) / 2
                                break
                            end
                        end
                    end
                end
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
            redis.call('HSET', @adm, 'lastMs', tostring(target))
        end
        redis.call('HSET', @adm, 'served', tostring(served))
        """;

    private static readonly string[] TickArgs = ["now", "reap", "scanMin", "scanMax", "catchUp", "seenRefresh", "lead"];

    private static readonly RedisScript Tick = QueueLua.Prepare(AdvanceBody + "\nreturn tostring(served)", TickArgs);

    // Settle the time elapsed at the old settings before the new ones apply, so a change is exact from this instant.
    private static readonly RedisScript Configure = QueueLua.Prepare(
        "if redis.call('EXISTS', @adm) == 1 then\n"
        + "local settle = function()\n" + AdvanceBody + "\nend\nsettle()\n"
        + "end\nredis.call('HSET', @adm, 'startMs', @startMs, 'rate', @rate, 'paused', @paused, 'maxActive', @maxActive, 'ttl', @ttl, 'expiry', @expiry)\n"
        + "redis.call('HSETNX', @adm, 'served', '0')\nreturn 1",
        [.. TickArgs, "startMs", "rate", "paused", "maxActive", "ttl", "expiry"]);

    /// <summary>
    /// How far ahead a ticker with this period counts: a quarter of it. The cursor then lags the rate by at most three
    /// quarters of a tick before the next one, leaving a quarter for a late tick, and leads by at most a quarter (a
    /// half around a change of settings, whose led time was counted at the old ones).
    /// </summary>
    public static TimeSpan LeadFor(TimeSpan tickPeriod) => tickPeriod / 4;

    /// <summary>
    /// Advances the cursor to <paramref name="lead"/> past now (<see cref="LeadFor"/>). Without a lead the cursor lags
    /// by up to a whole tick just before the next one, and a tick a few milliseconds late put it past one tick
    /// (1.01 and 1.12 ticks in `admission-accuracy`). The time led is settled: a change of settings applies from its end.
    /// </summary>
    public async Task<double?> AdvanceAsync(string campaignId, TimeSpan lead = default)
    {
        var result = await Tick.RunAsync(redis.GetDatabase(), QueueLua.Keys(campaignId), TickValues(campaignId, lead));
        return result.IsNull ? null : double.Parse((string)result!, CultureInfo.InvariantCulture);
    }

    public Task ConfigureAsync(Campaign campaign) =>
        Configure.RunAsync(redis.GetDatabase(), QueueLua.Keys(campaign.Id),
        [
            .. TickValues(campaign.Id, TimeSpan.Zero),
            campaign.StartsAt.ToUnixTimeMilliseconds(),
            campaign.Admission.RatePerSecond,
            campaign.Admission.Paused ? "1" : "0",
            campaign.Admission.MaxActive ?? 0,
            campaign.Admission.TokenTtlSeconds,
            campaign.Admission.PositionExpirySeconds * 1000L,
        ]);

    /// <summary>Sold out or cancelled: the cursor stops until units come back.</summary>
    public Task CloseAsync(string campaignId) =>
        redis.GetDatabase().HashSetAsync(RedisKeys.Admission(campaignId), "closed", "1");

    /// <summary>Units came back after a sell-out. Time spent closed was settled by each tick, so no burst follows.</summary>
    public Task ReopenAsync(string campaignId) =>
        redis.GetDatabase().HashDeleteAsync(RedisKeys.Admission(campaignId), "closed");

    private RedisValue[] TickValues(string campaignId, TimeSpan lead) =>
    [
        QueueLua.TokenPrefix(campaignId), time.GetUtcNow().ToUnixTimeMilliseconds(), ReapPerTick, ScanAtLeast, ScanAtMost, MaxCatchUpMs,
        SeenRefreshMilliseconds, (long)lead.TotalMilliseconds,
    ];
}
