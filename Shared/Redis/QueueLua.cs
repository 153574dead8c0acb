namespace FlashSale.Shared.Redis;

/// <summary>
/// The Lua every queue script shares. A member's place is its score: before the start a keyed permutation of its
/// join index (a shuffle nobody can predict, with no ties), after the start a base above every pre-queue score plus
/// the join index (first come, first served). Either way the score gives back the join index, which addresses the
/// member's four bytes in the seen array: when they last polled or listened, in Unix seconds (0: no mark). A flat
/// array instead of a second sorted set keeps a waiting shopper at about 118 bytes of Redis instead of 250.
/// </summary>
public static class QueueLua
{
    /// <summary>Above every pre-queue score (those are below 2^40), and base + index stays exact in a double.</summary>
    public const long PostStartBase = 4_503_599_627_370_496;

    public const string Functions = """
        local POST = 4503599627370496
        local HALF = 1048576

        -- A four-round Feistel network over [0, 2^40) keyed by the campaign's secret: a bijection, so the pre-queue
        -- order is a pseudorandom shuffle of the join order and the score alone tells the index back.
        local function permute(x, key, forward)
            local l, r = math.floor(x / HALF), x % HALF
            if forward then
                for i = 1, 4 do
                    l, r = r, bit.bxor(l, tonumber(string.sub(redis.sha1hex(key .. i .. ':' .. r), 1, 5), 16))
                end
            else
                for i = 4, 1, -1 do
                    l, r = bit.bxor(r, tonumber(string.sub(redis.sha1hex(key .. i .. ':' .. l), 1, 5), 16)), l
                end
            end
            return l * HALF + r
        end

        local function indexOf(score, key)
            score = tonumber(score)
            if score >= POST then return score - POST end
            return permute(score, key, false)
        end

        local function scoreOf(index, key, postStart)
            if postStart then return string.format('%.0f', POST + index) end
            return string.format('%.0f', permute(index, key, true))
        end

        local function memberAt(queue, index, key)
            for _, postStart in ipairs({ true, false }) do
                local s = scoreOf(index, key, postStart)
                local m = redis.call('ZRANGEBYSCORE', queue, s, s, 'LIMIT', 0, 1)[1]
                if m then return m end
            end
            return nil
        end

        local function seenAt(seen, index)
            return redis.call('BITFIELD', seen, 'GET', 'u32', '#' .. index)[1]
        end

        local function markSeen(seen, index, nowMs)
            redis.call('BITFIELD', seen, 'SET', 'u32', '#' .. index, math.floor(nowMs / 1000))
        end

        -- Seen marks older than this (Unix seconds) have lost their place; nil while nobody can (the position
        -- expiry counts from the start for the pre-queue). The slack is the refresh interval of the marks.
        local function staleBefore(adm, now, slack)
            local h = redis.call('HMGET', adm, 'startMs', 'expiry')
            local startMs, expiry = tonumber(h[1]), tonumber(h[2]) or 0
            if not startMs or expiry <= 0 or now - expiry <= startMs then return nil end
            return (now - expiry - slack) / 1000
        end

        -- Removes a shopper from the queue. Ranks below served are the admitted ones; when one of them leaves,
        -- served drops by one so the shopper at the cursor is not admitted for free. departed counts those, so
        -- admitted-ever = served + departed.
        local function leave(adm, queue, active, seen, lapsed, tokenPrefix, user, served)
            local r = redis.call('ZRANK', queue, user)
            redis.call('ZREM', active, user)
            redis.call('SREM', lapsed, user)
            redis.call('DEL', tokenPrefix .. user)
            if not r then return served end
            local index = indexOf(redis.call('ZSCORE', queue, user), redis.call('HGET', adm, 'perm') or '')
            redis.call('BITFIELD', seen, 'SET', 'u32', '#' .. index, 0)
            redis.call('ZREM', queue, user)
            if r < math.floor(served) then
                served = served - 1
                redis.call('HINCRBY', adm, 'departed', 1)
            end
            return served
        end
        """;
}
