using StackExchange.Redis;

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

    /// <summary>Every queue script takes the campaign's keys in this order, then the token key prefix, then its own arguments.</summary>
    public static readonly string[] KeyNames = ["queue", "adm", "claimed", "seen", "active", "lapsed"];

    public static RedisKey[] Keys(string campaignId) =>
    [
        RedisKeys.Queue(campaignId), RedisKeys.Admission(campaignId), RedisKeys.Claimed(campaignId),
        RedisKeys.Seen(campaignId), RedisKeys.Active(campaignId), RedisKeys.Lapsed(campaignId),
    ];

    public static RedisValue TokenPrefix(string campaignId) => RedisKeys.Token(campaignId, "");

    /// <summary>
    /// A script with the shared functions in front, sent without comments and indentation (Redis keeps one copy of
    /// each script text it has seen, and a smaller text is cheaper to send when it has to be sent again).
    /// </summary>
    public static RedisScript Prepare(string body, params string[] args) =>
        new(Compact(Functions + "\n" + body), KeyNames, ["tokenPrefix", .. args]);

    private static string Compact(string lua) => string.Join('\n', lua.Split('\n')
        .Select(line => line.Trim())
        .Where(line => line.Length > 0 && !line.StartsWith("--", StringComparison.Ordinal)));

    public const string Functions = """
        local POST = 4503599627370496
        local HALF = 1048576

        -- Integers (indices, seconds, scores: all below 2^53) printed as integers. Lua turns a number into a string (a
        -- '..' or an argument to redis.call) with '%.14g', the C library's floating-point printing: in a storm of live
        -- polls that printing took about 11% of Redis's CPU under perf; with int() and shown(), about 2%.
        local function int(n) return string.format('%d', n) end

        -- A six-round Feistel network over [0, 2^40), the round keys cut from the campaign's secret (32 hex digits):
        -- a bijection, so the pre-queue order is a shuffle of the join order and the score alone tells the index back.
        -- The round function is a middle square, exact in a double: under 1 us a permutation where SHA-1 rounds took 5.
        local cachedKey, roundKeys
        local function permute(x, key, forward)
            if key ~= cachedKey then
                roundKeys = {}
                for i = 1, 6 do roundKeys[i] = tonumber(string.sub(key, 5 * i - 4, 5 * i), 16) or 0 end
                cachedKey = key
            end
            local floor, bxor = math.floor, bit.bxor
            local l, r = floor(x / HALF), x % HALF
            if forward then
                for i = 1, 6 do
                    local y = bxor(r, roundKeys[i])
                    l, r = r, bxor(l, floor(y * (y + 376094) / 1024) % HALF)
                end
            else
                for i = 6, 1, -1 do
                    local y = bxor(l, roundKeys[i])
                    l, r = bxor(r, floor(y * (y + 376094) / 1024) % HALF), l
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
            if postStart then return int(POST + index) end
            return int(permute(index, key, true))
        end

        local function memberAt(queue, index, key)
            for _, postStart in ipairs({ true, false }) do
                local s = scoreOf(index, key, postStart)
                local m = redis.call('ZRANGEBYSCORE', queue, s, s, 'LIMIT', 0, 1)[1]
                if m then return m end
            end
            return nil
        end

        -- A Redis string holds at most 2^32 bits: 2^27 marks. An index beyond (a member written before this layout) has none.
        local MARKS = 134217728

        local function hasMark(index) return index >= 0 and index < MARKS end

        -- The cursor as text for each member's answer, printed once per value rather than once per member.
        local shownServed, servedText
        local function shown(served)
            if served ~= shownServed then shownServed, servedText = served, tostring(served) end
            return servedText
        end

        local function seenAt(seen, index)
            if not hasMark(index) then return 0 end
            return redis.call('BITFIELD', seen, 'GET', 'u32', '#' .. int(index))[1]
        end

        local function setMark(seen, index, seconds)
            if not hasMark(index) then return end
            redis.call('BITFIELD', seen, 'SET', 'u32', '#' .. int(index), int(seconds))
        end

        local function markSeen(seen, index, nowMs) setMark(seen, index, math.floor(nowMs / 1000)) end

        -- markSeen for many indices in as few BITFIELD calls as Lua's unpack allows.
        local function markAllSeen(seen, indices, nowMs)
            local seconds, ops = int(math.floor(nowMs / 1000)), {}
            for _, index in ipairs(indices) do
                if hasMark(index) then
                    ops[#ops + 1] = 'SET'; ops[#ops + 1] = 'u32'; ops[#ops + 1] = '#' .. int(index); ops[#ops + 1] = seconds
                end
                if #ops >= 2000 then
                    redis.call('BITFIELD', seen, unpack(ops))
                    ops = {}
                end
            end
            if #ops > 0 then redis.call('BITFIELD', seen, unpack(ops)) end
        end

        local function clearMark(seen, index) setMark(seen, index, 0) end

        -- The marks of the new places first .. last - 1 (consecutive join indices) in one SETRANGE of the same four
        -- bytes (BITFIELD's u32 is big-endian): a storm's joins then cost one write, not a BITFIELD operation each.
        local function markRange(seen, first, last, seconds)
            last = math.min(last, MARKS)
            if last <= first then return end
            local floor = math.floor
            local bytes = string.char(floor(seconds / 16777216) % 256, floor(seconds / 65536) % 256, floor(seconds / 256) % 256, seconds % 256)
            redis.call('SETRANGE', seen, int(first * 4), string.rep(bytes, last - first))
        end

        -- Seen marks older than this (Unix seconds) have lost their place; nil while nobody can (the position
        -- expiry counts from the start for the pre-queue). The slack is the refresh interval of the marks.
        local function staleBefore(startMs, expiry, now, slack)
            startMs, expiry = tonumber(startMs), tonumber(expiry) or 0
            if not startMs or expiry <= 0 or now - expiry <= startMs then return nil end
            return (now - expiry - slack) / 1000
        end

        -- A mark (0: none) older than the cutoff staleBefore gave (nil: nobody expires yet).
        local function expired(mark, cutoff)
            return cutoff ~= nil and mark ~= 0 and mark < cutoff
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
            clearMark(seen, indexOf(redis.call('ZSCORE', queue, user), redis.call('HGET', adm, 'perm') or ''))
            redis.call('ZREM', queue, user)
            -- Everyone behind moves up a rank: edges answering polls from the ranks they last read count on this.
            redis.call('HINCRBY', adm, 'left', 1)
            if r < math.floor(served) then
                served = served - 1
                redis.call('HINCRBY', adm, 'departed', 1)
            end
            return served
        end
        """;
}
