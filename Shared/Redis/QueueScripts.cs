using System.Globalization;
using StackExchange.Redis;

namespace FlashSale.Shared.Redis;

/// <summary>
/// The queue's Redis scripts; each runs atomically on the campaign's shard (all keys share its hash tag). Members are
/// <see cref="QueueMember"/> names, places and seen marks are laid out as <see cref="QueueLua"/> describes.
/// </summary>
public static class QueueScripts
{
    /// <summary>
    /// Join, for every member in <c>@users</c> (comma-separated) in turn: the next join index, placed by the
    /// permutation before the start and in order after it. A member still in line keeps the place (a re-join never
    /// improves it) unless it has already lost it to the position expiry, which the reaper may not have reached yet.
    /// Nobody joins a sold-out queue. One flat answer for the batch (what <see cref="JoinManyAsync"/> reads): the
    /// sold-out flag, the seen mark the joiners got (Unix seconds; 0 before the start, where it does not count), how
    /// many have left the queue so far, the cursor once the whole batch is in, then each member's rank (-1: not
    /// joined; 0 before the start), read after every place of the batch is taken, so all agree with that one cursor.
    /// Flat, not a table a member: Redis spent about 2 µs a joiner building and sending those.
    /// </summary>
    public static readonly RedisScript Join = QueueLua.Prepare("""
        local h = redis.call('HMGET', @adm, 'closed', 'served', 'perm', 'startMs', 'expiry', 'joins', 'left')
        local now = tonumber(@now)
        local postStart = now >= tonumber(@startMs)
        local second = math.floor(now / 1000)
        local answers = { h[1] or '0', postStart and second or 0, tonumber(h[7] or '0'), '0' }
        if answers[1] == '1' or tonumber(redis.call('GET', @claimed) or '0') >= tonumber(@stock) then
            answers[1] = '1'
            for _ in string.gmatch(@users, '[^,]+') do answers[#answers + 1] = -1 end
            return answers
        end
        local served = tonumber(h[2] or '0')
        local servedBefore = served
        local key = h[3]
        if not key then
            key = @perm
            redis.call('HSET', @adm, 'perm', key)
        end
        local joins = tonumber(h[6] or '0')
        local joinsBefore = joins
        local cutoff = staleBefore(h[4], h[5], now, tonumber(@seenRefresh))
        -- Nobody has lapsed before the first turns: one SCARD then spares a SISMEMBER a joiner.
        local anyLapsed = redis.call('SCARD', @lapsed) > 0
        -- Members already in line, whose marks are refreshed one by one; the new places are consecutive indices.
        local kept = {}
        local count = 0
        -- Redis does not undo a script's writes when it fails halfway: whatever the loop got to, the join count, the
        -- marks and the cursor below are written for it before the error goes back, so no index is handed out twice
        -- and no place is left without the mark that lets it expire.
        local ok, failure = pcall(function()
        for user in string.gmatch(@users, '[^,]+') do
            count = count + 1
            if anyLapsed and redis.call('SISMEMBER', @lapsed, user) == 1 then
                -- Their turn came and went unused: back of the line, and the cursor accounts for the place they leave.
                served = leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, user, served)
            end
            -- In a storm nearly every joiner is new, and ZADD NX says so: only a member already in line pays for a ZSCORE.
            if redis.call('ZADD', @queue, 'NX', scoreOf(joins, key, postStart), user) == 1 then
                joins = joins + 1
            else
                local index = indexOf(redis.call('ZSCORE', @queue, user), key)
                if expired(seenAt(@seen, index), cutoff) and redis.call('ZRANK', @queue, user) >= math.floor(served) then
                    served = leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, user, served)
                    redis.call('ZADD', @queue, 'NX', scoreOf(joins, key, postStart), user)
                    joins = joins + 1
                else
                    kept[#kept + 1] = index
                end
            end
        end
        end)
        if joins ~= joinsBefore then redis.call('HSET', @adm, 'joins', tostring(joins)) end
        -- At the end: a member listed twice finds no mark yet the second time, so it keeps the place it has just taken.
        markRange(@seen, joinsBefore, joins, second)
        markAllSeen(@seen, kept, now)
        if served ~= servedBefore then redis.call('HSET', @adm, 'served', tostring(served)) end
        if not ok then error(failure) end
        answers[4] = shown(served)
        if postStart then
            for user in string.gmatch(@users, '[^,]+') do answers[#answers + 1] = redis.call('ZRANK', @queue, user) end
        else
            -- Before the start a place is not a position (the caller describes it by the same start), so no rank is read.
            for i = 1, count do answers[4 + i] = 0 end
        end
        return answers
        """, "users", "perm", "now", "seenRefresh", "startMs", "stock");

    /// <summary>Runs <see cref="Join"/> for one member: for anything that must write exactly what a join writes.</summary>
    public static async Task<JoinAnswer> JoinAsync(IDatabaseAsync db, string campaignId, string member, string permutationKey, long nowMs, long startMs, long stock) =>
        (await JoinManyAsync(db, campaignId, [member], permutationKey, nowMs, startMs, stock))[0];

    /// <summary>Runs <see cref="Join"/> for several members of one campaign in one round trip: an answer per member, in order.</summary>
    public static async Task<JoinAnswer[]> JoinManyAsync(IDatabaseAsync db, string campaignId, IReadOnlyList<string> members, string permutationKey, long nowMs, long startMs, long stock)
    {
        var parts = (RedisResult[])(await Join.RunAsync(db, QueueLua.Keys(campaignId),
            [QueueLua.TokenPrefix(campaignId), Users(members), permutationKey, nowMs, AdmissionCursor.SeenRefreshMilliseconds, startMs, stock]))!;
        var (closed, mark, left, served) = ((string?)parts[0] == "1", (long)parts[1], (long)parts[2], Cursor((string?)parts[3]));
        var answers = new JoinAnswer[parts.Length - 4];
        for (var i = 0; i < answers.Length; i++)
        {
            answers[i] = new JoinAnswer((long)parts[4 + i], served, closed, mark, left);
        }
        return answers;
    }

    /// <summary>The cursor as a script printed it (it may have a fraction: the turns of part of a second).</summary>
    public static double Cursor(string? served) => double.Parse(served ?? "0", CultureInfo.InvariantCulture);

    /// <summary>
    /// Status, for every member in <c>@users</c>: rank, cursor, sold-out flag, any token already issued and the
    /// deadline of an open turn. Asking is also what keeps a place: it marks the shopper as seen when the mark is old
    /// enough to matter (the reaper allows the refresh interval as slack), and a shopper whose place has already
    /// expired loses it now. Before the start only membership matters: nobody has a position yet, and the position
    /// expiry counts from the start, so a pre-queue answer reads no rank and writes no mark. The caller passes the start it
    /// will describe the answer by, so both sides agree on which side of it the answer falls.
    /// Each member's answer is <c>{ rank, served, closed, token, deadline }</c> (rank -1: not in line); a waiting member's
    /// adds its seen mark (Unix seconds, 0: none) and how many have left the queue so far.
    /// </summary>
    public static readonly RedisScript Status = QueueLua.Prepare("""
        local h = redis.call('HMGET', @adm, 'closed', 'served', 'perm', 'startMs', 'expiry', 'left')
        local closed = h[1] or '0'
        local left = tonumber(h[6] or '0')
        local now = tonumber(@now)
        local served = tonumber(h[2] or '0')
        local servedBefore = served
        local preStart = now < tonumber(@startMs)
        local cutoff = staleBefore(h[4], h[5], now, tonumber(@seenRefresh))
        local anyLapsed = redis.call('SCARD', @lapsed) > 0
        local answers = {}
        -- As in Join: the cursor is written for whatever the loop got to, also when it fails halfway.
        local ok, failure = pcall(function()
        for user in string.gmatch(@users, '[^,]+') do
            local score = redis.call('ZSCORE', @queue, user)
            if not score or (anyLapsed and redis.call('SISMEMBER', @lapsed, user) == 1) then
                answers[#answers + 1] = { -1, '0', closed }
            elseif preStart then
                answers[#answers + 1] = { 0, shown(served), closed, '', '' }
            else
                local rank = redis.call('ZRANK', @queue, user)
                local index = indexOf(score, h[3] or '')
                local seenAtMark = seenAt(@seen, index)
                if rank >= math.floor(served) and expired(seenAtMark, cutoff) then
                    served = leave(@adm, @queue, @active, @seen, @lapsed, @tokenPrefix, user, served)
                    answers[#answers + 1] = { -1, '0', closed }
                else
                    -- Marks are whole seconds, rounded down: refreshing a second early keeps the expiry counted from the last poll.
                    if now - seenAtMark * 1000 >= tonumber(@seenRefresh) - 1000 and hasMark(index) then
                        markSeen(@seen, index, now)
                        seenAtMark = math.floor(now / 1000)
                    end
                    if rank < math.floor(served) then
                        answers[#answers + 1] = { rank, shown(served), closed, redis.call('GET', @tokenPrefix .. user) or '',
                            redis.call('ZSCORE', @active, user) or '' }
                    else
                        -- Still waiting: a token and a turn only ever come with admission. The mark and the
                        -- departures so far let the edge answer this shopper's next polls itself (LivePlaces).
                        answers[#answers + 1] = { rank, shown(served), closed, '', '', seenAtMark, left }
                    end
                end
            end
        end
        end)
        if served ~= servedBefore then redis.call('HSET', @adm, 'served', tostring(served)) end
        if not ok then error(failure) end
        return answers
        """, "users", "now", "seenRefresh", "startMs");

    /// <summary>Runs <see cref="Status"/> for several members of one campaign in one round trip: an answer per member, in order.</summary>
    public static Task<RedisResult> StatusManyAsync(IDatabaseAsync db, string campaignId, IReadOnlyList<string> members, long nowMs, long startMs) =>
        Status.RunAsync(db, QueueLua.Keys(campaignId), [QueueLua.TokenPrefix(campaignId), Users(members), nowMs, AdmissionCursor.SeenRefreshMilliseconds, startMs]);

    // Members are base64url (QueueMember), so a comma cannot occur in one.
    private static RedisValue Users(IReadOnlyList<string> members) => members.Count == 1 ? members[0] : string.Join(',', members);

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
