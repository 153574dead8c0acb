using FlashSale.Shared.Campaigns;
using StackExchange.Redis;

namespace FlashSale.Shared.Redis;

/// <summary>
/// The admission cursor of DESIGN.md: <c>served</c> grows by elapsed time × rate inside one script, so any number
/// of edge instances can tick it without a leader and the integral of the rate is never exceeded.
/// </summary>
public sealed class AdmissionCursor(IConnectionMultiplexer redis, TimeProvider time)
{
    // served is capped at the queue length so that idle minutes do not bank a burst of admissions.
    private const string AdvanceBody = """
        local h = redis.call('HMGET', KEYS[1], 'startMs', 'rate', 'paused', 'served', 'lastMs', 'closed')
        local startMs = tonumber(h[1])
        if not startMs then return false end
        local now = tonumber(ARGV[1])
        local served = tonumber(h[4]) or 0
        local last = tonumber(h[5]) or startMs
        if last < startMs then last = startMs end
        if now > last then
            if h[3] ~= '1' and h[6] ~= '1' then
                served = served + (now - last) * tonumber(h[2]) / 1000
                local size = redis.call('ZCARD', KEYS[2])
                if served > size then served = size end
            end
            redis.call('HSET', KEYS[1], 'served', tostring(served), 'lastMs', tostring(now))
        end
        """;

    private static readonly LuaScript Tick = LuaScript.Prepare(AdvanceBody.Replace("KEYS[1]", "@adm").Replace("KEYS[2]", "@queue").Replace("ARGV[1]", "@now") + "\nreturn tostring(served)");

    // Settle the time elapsed at the old rate before the new one applies, so a change is exact from this instant.
    private static readonly LuaScript Configure = LuaScript.Prepare(
        "if redis.call('EXISTS', @adm) == 1 then\n"
        + AdvanceBody.Replace("KEYS[1]", "@adm").Replace("KEYS[2]", "@queue").Replace("ARGV[1]", "@now").Replace("return false", "return 0")
        + "\nend\nredis.call('HSET', @adm, 'startMs', @startMs, 'rate', @rate, 'paused', @paused, 'maxActive', @maxActive, 'ttl', @ttl)\n"
        + "redis.call('HSETNX', @adm, 'served', '0')\nreturn 1");

    public async Task<double?> AdvanceAsync(string campaignId)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(Tick, new
        {
            adm = (RedisKey)RedisKeys.Admission(campaignId),
            queue = (RedisKey)RedisKeys.Queue(campaignId),
            now = time.GetUtcNow().ToUnixTimeMilliseconds(),
        });
        return result.IsNull ? null : double.Parse((string)result!, System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task ConfigureAsync(Campaign campaign) =>
        redis.GetDatabase().ScriptEvaluateAsync(Configure, new
        {
            adm = (RedisKey)RedisKeys.Admission(campaign.Id),
            queue = (RedisKey)RedisKeys.Queue(campaign.Id),
            now = time.GetUtcNow().ToUnixTimeMilliseconds(),
            startMs = campaign.StartsAt.ToUnixTimeMilliseconds(),
            rate = campaign.Admission.RatePerSecond,
            paused = campaign.Admission.Paused ? "1" : "0",
            maxActive = campaign.Admission.MaxActive ?? 0,
            ttl = campaign.Admission.TokenTtlSeconds,
        });

    /// <summary>Sold out or cancelled: the cursor stops until units come back.</summary>
    public Task CloseAsync(string campaignId) =>
        redis.GetDatabase().HashSetAsync(RedisKeys.Admission(campaignId), "closed", "1");

    /// <summary>Units came back after a sell-out. Time spent closed was settled by each tick, so no burst follows.</summary>
    public Task ReopenAsync(string campaignId) =>
        redis.GetDatabase().HashDeleteAsync(RedisKeys.Admission(campaignId), "closed");
}
