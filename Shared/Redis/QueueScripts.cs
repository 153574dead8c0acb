using StackExchange.Redis;

namespace FlashSale.Shared.Redis;

/// <summary>
/// The queue's Redis scripts; each runs atomically on the campaign's shard (all keys share its hash tag). Members are
/// <see cref="QueueMember"/> names, places and seen marks are laid out as <see cref="QueueLua"/> describes.
/// </summary>
public static class QueueScripts
{
    /// <summary>
    /// Join: the next join index, placed by the permutation before the start and in order after it. A member still
    /// in line keeps the place (a re-join never improves it) unless it has already lost it to the position expiry,
    /// which the reaper may not have reached yet. Nobody joins a sold-out queue; the claimed count and sold-out flag
    /// come back with the rank, so a join is one round trip.
    /// </summary>
    public static readonly RedisScript Join = QueueLua.Prepare("""
        local h = redis.call('HMGET', @adm, 'closed', 'served', 'perm', 'startMs', 'expiry')
        local closed = h[1] or '0'
        local claimed = redis.call('GET', @claimed) or '0'
        if closed == '1' or tonumber(claimed) >= tonumber(@stock) then
            return { -1, '0', '1', claimed }
        end
        local now = tonumber(@now)
        local served = tonumber(h[2] or '0')
        if redis.call('SISMEMBER', @lapsed, @user) == 1 then
            -- Their turn came and went unused: back of the line, and the cursor accounts for the place they leave.
            served = leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, @user, served)
            redis.call('HSET', @adm, 'served', tostring(served))
        end
        local key = h[3]
        if not key then
            key = @perm
            redis.call('HSET', @adm, 'perm', key)
        end
        local score = redis.call('ZSCORE', @queue, @user)
        local index = score and indexOf(score, key)
        if score and expired(seenAt(@seen, index), staleBefore(h[4], h[5], now, tonumber(@seenRefresh)))
            and redis.call('ZRANK', @queue, @user) >= math.floor(served) then
            served = leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, @user, served)
            redis.call('HSET', @adm, 'served', tostring(served))
            score = nil
        end
        if not score then
            index = redis.call('HINCRBY', @adm, 'joins', 1) - 1
            redis.call('ZADD', @queue, 'NX', scoreOf(index, key, now >= tonumber(@startMs)), @user)
        end
        markSeen(@seen, index, now)
        return { redis.call('ZRANK', @queue, @user), tostring(served), closed, claimed }
        """, "user", "perm", "now", "seenRefresh", "startMs", "stock");

    /// <summary>Runs <see cref="Join"/>: for the edge, and for anything that must write exactly what a join writes.</summary>
    public static Task<RedisResult> JoinAsync(IDatabaseAsync db, string campaignId, string member, string permutationKey, long nowMs, long startMs, long stock) =>
        Join.RunAsync(db, QueueLua.Keys(campaignId),
            [QueueLua.TokenPrefix(campaignId), member, permutationKey, nowMs, AdmissionCursor.SeenRefreshMilliseconds, startMs, stock]);

    /// <summary>
    /// Status: rank, cursor, sold-out flag, any token already issued and the deadline of an open turn, in one round
    /// trip. Asking is also what keeps a place: it marks the shopper as seen when the mark is old enough to matter
    /// (the reaper allows the refresh interval as slack), and a shopper whose place has already expired loses it now.
    /// </summary>
    public static readonly RedisScript Status = QueueLua.Prepare("""
        local h = redis.call('HMGET', @adm, 'closed', 'served', 'perm', 'startMs', 'expiry')
        local closed = h[1] or '0'
        local score = redis.call('ZSCORE', @queue, @user)
        if not score or redis.call('SISMEMBER', @lapsed, @user) == 1 then return { -1, '0', closed } end
        local now = tonumber(@now)
        local served = tonumber(h[2] or '0')
        local rank = redis.call('ZRANK', @queue, @user)
        local index = indexOf(score, h[3] or '')
        local seenAtMark = seenAt(@seen, index)
        if rank >= math.floor(served) and expired(seenAtMark, staleBefore(h[4], h[5], now, tonumber(@seenRefresh))) then
            redis.call('HSET', @adm, 'served', tostring(leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, @user, served)))
            return { -1, '0', closed }
        end
        -- Marks are whole seconds, rounded down: refreshing a second early keeps the expiry counted from the last poll.
        if now - seenAtMark * 1000 >= tonumber(@seenRefresh) - 1000 then
            markSeen(@seen, index, now)
        end
        return { rank, h[2] or '0', closed, redis.call('GET', @tokenPrefix .. @user) or '',
                 redis.call('ZSCORE', @active, @user) or '' }
        """, "user", "now", "seenRefresh");

    public static Task<RedisResult> StatusAsync(IDatabaseAsync db, string campaignId, string member, long nowMs) =>
        Status.RunAsync(db, QueueLua.Keys(campaignId), [QueueLua.TokenPrefix(campaignId), member, nowMs, AdmissionCursor.SeenRefreshMilliseconds]);

    /// <summary>Leave: the shopper gives up; a turn they held goes to the next in line, nobody is admitted twice.</summary>
    public static readonly RedisScript Leave = QueueLua.Prepare("""
        local served = tonumber(redis.call('HGET', @adm, 'served') or '0')
        if not redis.call('ZSCORE', @queue, @user) then return 0 end
        served = leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, @user, served)
        redis.call('HSET', @adm, 'served', tostring(served))
        return 1
        """, "user");

    public static Task<RedisResult> LeaveAsync(IDatabaseAsync db, string campaignId, string member) =>
        Leave.RunAsync(db, QueueLua.Keys(campaignId), [QueueLua.TokenPrefix(campaignId), member]);
}
