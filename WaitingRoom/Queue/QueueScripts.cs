using FlashSale.Shared.Redis;
using StackExchange.Redis;

namespace FlashSale.WaitingRoom.Queue;

/// <summary>The queue's Redis scripts; each runs atomically on the campaign's shard (all keys share its hash tag).</summary>
internal static class QueueScripts
{
    /// <summary>2^52: above every pre-queue draw, and base + sequence stays an exact integer in a double.</summary>
    public const long PostStartBase = 4_503_599_627_370_496;

    /// <summary>
    /// Join: before the start the score is the caller's random draw (a lottery ticket); after, the base plus an arrival
    /// sequence (FIFO). ZADD NX and the score check make a re-join a no-op, so it never improves a place. Nobody joins
    /// a sold-out queue; the claimed count and sold-out flag come back with the rank, so a join is one round trip.
    /// </summary>
    public static readonly LuaScript Join = LuaScript.Prepare(AdmissionCursor.LeaveFunction + "\n" + """
        local closed = redis.call('HGET', @adm, 'closed') or '0'
        local claimed = redis.call('GET', @claimed) or '0'
        if closed == '1' or tonumber(claimed) >= tonumber(@stock) then
            return { -1, '0', '1', claimed }
        end
        if redis.call('SISMEMBER', @lapsed, @user) == 1 then
            -- Their turn came and went unused: back of the line, and the cursor accounts for the place they leave.
            local served = leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, @user, tonumber(redis.call('HGET', @adm, 'served') or '0'))
            redis.call('HSET', @adm, 'served', tostring(served))
        end
        if not redis.call('ZSCORE', @queue, @user) then
            local score = @draw
            if tonumber(@now) >= tonumber(@startMs) then
                score = string.format('%.0f', 4503599627370496 + redis.call('HINCRBY', @adm, 'seq', 1))
            end
            redis.call('ZADD', @queue, 'NX', score, @user)
        end
        redis.call('ZADD', @seen, @now, @user)
        return { redis.call('ZRANK', @queue, @user), redis.call('HGET', @adm, 'served') or '0', closed, claimed }
        """);

    /// <summary>
    /// Status: rank, cursor, sold-out flag, any token already issued and the deadline of an open turn, in one round
    /// trip. Asking is also what keeps a place: it marks the shopper as seen, when the mark is older than
    /// <see cref="AdmissionCursor.SeenRefreshMilliseconds"/> (the reaper allows that slack).
    /// </summary>
    public static readonly LuaScript Status = LuaScript.Prepare("""
        local rank = redis.call('ZRANK', @queue, @user)
        if not rank or redis.call('SISMEMBER', @lapsed, @user) == 1 then return { -1, '0', redis.call('HGET', @adm, 'closed') or '0' } end
        local seenAt = redis.call('ZSCORE', @seen, @user)
        if not seenAt or tonumber(@now) - tonumber(seenAt) >= tonumber(@seenRefresh) then
            redis.call('ZADD', @seen, @now, @user)
        end
        return { rank, redis.call('HGET', @adm, 'served') or '0', redis.call('HGET', @adm, 'closed') or '0', redis.call('GET', @token) or '',
                 redis.call('ZSCORE', @active, @user) or '' }
        """);

    /// <summary>Leave: the shopper gives up; a turn they held goes to the next in line, nobody is admitted twice.</summary>
    public static readonly LuaScript Leave = LuaScript.Prepare(AdmissionCursor.LeaveFunction + "\n" + """
        local served = tonumber(redis.call('HGET', @adm, 'served') or '0')
        if not redis.call('ZSCORE', @queue, @user) then return 0 end
        served = leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, @user, served)
        redis.call('HSET', @adm, 'served', tostring(served))
        return 1
        """);
}
