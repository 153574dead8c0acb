using StackExchange.Redis;

namespace FlashSale.WaitingRoom.Queue;

/// <summary>The queue's Redis scripts; each runs atomically on the campaign's shard (all keys share its hash tag).</summary>
internal static class QueueScripts
{
    /// <summary>2^52: above every pre-queue draw, and base + sequence stays an exact integer in a double.</summary>
    public const long PostStartBase = 4_503_599_627_370_496;

    /// <summary>
    /// Join: before the start the score is the caller's random draw (a lottery ticket); after, the base plus an arrival
    /// sequence (FIFO). ZADD NX and the score check make a re-join a no-op, so it never improves a place.
    /// </summary>
    public static readonly LuaScript Join = LuaScript.Prepare("""
        if not redis.call('ZSCORE', @queue, @user) then
            local score = @draw
            if tonumber(@now) >= tonumber(@startMs) then
                score = string.format('%.0f', 4503599627370496 + redis.call('HINCRBY', @adm, 'seq', 1))
            end
            redis.call('ZADD', @queue, 'NX', score, @user)
        end
        return { redis.call('ZRANK', @queue, @user), redis.call('HGET', @adm, 'served') or '0', redis.call('HGET', @adm, 'closed') or '0' }
        """);

    /// <summary>Status: rank, cursor, sold-out flag and any token already issued, in one round trip.</summary>
    public static readonly LuaScript Status = LuaScript.Prepare("""
        local rank = redis.call('ZRANK', @queue, @user)
        if not rank then return false end
        return { rank, redis.call('HGET', @adm, 'served') or '0', redis.call('HGET', @adm, 'closed') or '0', redis.call('GET', @token) or '' }
        """);
}
