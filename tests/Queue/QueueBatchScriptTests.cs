using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;
using StackExchange.Redis;

namespace FlashSale.Tests.Queue;

/// <summary>The edge sends joins and polls of one campaign to Redis in batches: a batch must write what the same calls one at a time would.</summary>
[Collection(SystemCollection.Name)]
public sealed class QueueBatchScriptTests(FlashSaleSystem sys)
{
    private const string Perm = "0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task JoinMany_WritesWhatTheSameJoinsOneAtATimeWrite_ARepeatedMemberKeepsItsPlace(bool postStart)
    {
        var db = sys.Redis.GetDatabase();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var startMs = postStart ? now - 60_000 : now + 60_000;
        // 300 members, every tenth listed twice (a shopper whose two tabs join at once).
        var members = Enumerable.Range(0, 300).SelectMany(i => i % 10 == 0 ? new[] { $"m{i}", $"m{i}" } : [$"m{i}"]).Select(QueueMember.Of).ToArray();
        var distinct = members.Distinct().ToArray();

        var batched = $"c_batch{Guid.NewGuid():N}"[..14];
        var answers = await QueueScripts.JoinManyAsync(db, batched, members, Perm, now, startMs, stock: 1000);
        var single = $"c_single{Guid.NewGuid():N}"[..14];
        foreach (var member in members)
        {
            await QueueScripts.JoinAsync(db, single, member, Perm, now, startMs, stock: 1000);
        }

        Assert.Equal(members.Length, answers.Length);
        Assert.Equal(await Places(db, single), await Places(db, batched));
        Assert.Equal(distinct.Length, (long)await db.HashGetAsync(RedisKeys.Admission(batched), "joins"));
        Assert.Equal(distinct.Length, await db.SortedSetLengthAsync(RedisKeys.Queue(batched)));
        // Every place has its seen mark (Unix seconds), the first one and the last one included.
        var marks = (byte[])(await db.StringGetAsync(RedisKeys.Seen(batched)))!;
        Assert.Equal(distinct.Length * 4, marks.Length);
        for (var i = 0; i < distinct.Length; i++)
        {
            Assert.Equal((uint)(now / 1000), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(marks.AsSpan(i * 4)));
        }
        if (postStart)
        {
            // First come, first served, and a repeat is answered with the place the first listing took.
            var ranks = answers.Select(a => a.Rank).ToArray();
            Assert.Equal(Enumerable.Range(0, distinct.Length).Select(i => (long)i), ranks.Distinct());
            for (var i = 0; i < members.Length; i++)
            {
                Assert.Equal(Array.IndexOf(distinct, members[i]), ranks[i]);
            }
        }
    }

    [Fact]
    public async Task JoinMany_EveryAnswerDescribesTheQueueOnceTheWholeBatchIsIn_AndAKeptPlaceHasItsMarkRefreshed()
    {
        var db = sys.Redis.GetDatabase();
        var campaign = $"c_flat{Guid.NewGuid():N}"[..14];
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var startMs = t0 - 60_000;
        await QueueScripts.JoinManyAsync(db, campaign, ["a", "b", "c"], Perm, t0, startMs, stock: 10);
        // a and b admitted; a's turn lapsed unused.
        await db.HashSetAsync(RedisKeys.Admission(campaign), "served", 2);
        await db.SetAddAsync(RedisKeys.Lapsed(campaign), "a");

        var t1 = t0 + 20_000;
        var answers = await QueueScripts.JoinManyAsync(db, campaign, ["d", "a", "b"], Perm, t1, startMs, stock: 10);

        // d joins behind c; a goes to the back, and the cursor steps back over the turn a held; b keeps its place.
        // Ranks and cursor are read once all three are in, so d, who joined before a left, is told the rank it has now.
        Assert.Equal([(2L, 1.0), (3L, 1.0), (0L, 1.0)], answers.Select(a => (a.Rank, a.Served)));
        // Departures as the batch began: a count that misses this batch's own leave only makes an edge ask Redis sooner.
        Assert.All(answers, a => Assert.Equal((t1 / 1000, 0L, false), (a.Mark, a.Left, a.Closed)));
        Assert.Equal(5, (long)await db.HashGetAsync(RedisKeys.Admission(campaign), "joins"));
        Assert.Equal([0u, (uint)(t1 / 1000), (uint)(t0 / 1000), (uint)(t1 / 1000), (uint)(t1 / 1000)],
            await Task.WhenAll(Enumerable.Range(0, 5).Select(i => MarkAsync(db, campaign, i))));
    }

    [Fact]
    public async Task JoinMany_AMemberWhosePlaceExpired_GoesToTheBack_EvenBeforeTheReaperCame_AndOneStillSeenKeepsItsPlace()
    {
        var db = sys.Redis.GetDatabase();
        var campaign = $"c_exp{Guid.NewGuid():N}"[..14];
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var startMs = t0 - 60_000;
        await db.HashSetAsync(RedisKeys.Admission(campaign), [new("startMs", startMs), new("expiry", 120_000)]);
        await QueueScripts.JoinManyAsync(db, campaign, ["a", "b"], Perm, t0, startMs, stock: 10);
        // b looks again half a minute later; a is never seen again.
        await QueueScripts.JoinManyAsync(db, campaign, ["b"], Perm, t0 + 30_000, startMs, stock: 10);

        // Past a's expiry and the refresh slack, not past b's.
        var t2 = t0 + 120_000 + AdmissionCursor.SeenRefreshMilliseconds + 1_000;
        var answers = await QueueScripts.JoinManyAsync(db, campaign, ["a", "b"], Perm, t2, startMs, stock: 10);

        Assert.Equal([1L, 0L], answers.Select(a => a.Rank));
        Assert.Equal(3, (long)await db.HashGetAsync(RedisKeys.Admission(campaign), "joins"));
        Assert.Equal(1, (long)await db.HashGetAsync(RedisKeys.Admission(campaign), "left"));
        // a's old mark is cleared and its new place marked; b's mark is refreshed in place.
        Assert.Equal([0u, (uint)(t2 / 1000), (uint)(t2 / 1000)], await Task.WhenAll(Enumerable.Range(0, 3).Select(i => MarkAsync(db, campaign, i))));
    }

    [Fact]
    public async Task JoinMany_BeforeTheStart_AnswersNoRankAndNoMark_ButMarksEveryPlace()
    {
        var db = sys.Redis.GetDatabase();
        var campaign = $"c_pre{Guid.NewGuid():N}"[..14];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var answers = await QueueScripts.JoinManyAsync(db, campaign, ["a", "b"], Perm, now, now + 60_000, stock: 10);
        Assert.All(answers, a => Assert.Equal((0L, 0.0, 0L, false), (a.Rank, a.Served, a.Mark, a.Closed)));
        Assert.Equal([(uint)(now / 1000), (uint)(now / 1000)], await Task.WhenAll(Enumerable.Range(0, 2).Select(i => MarkAsync(db, campaign, i))));
    }

    [Fact]
    public async Task JoinMany_SoldOut_RefusesEveryMemberOfTheBatch_AndWritesNothing()
    {
        var db = sys.Redis.GetDatabase();
        var campaign = $"c_sold{Guid.NewGuid():N}"[..14];
        await db.StringSetAsync(RedisKeys.Claimed(campaign), 5);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var answers = await QueueScripts.JoinManyAsync(db, campaign, ["a", "b", "c"], Perm, now, now - 1000, stock: 5);
        Assert.Equal(3, answers.Length);
        Assert.All(answers, a => Assert.Equal((-1L, true), (a.Rank, a.Closed)));
        Assert.Equal(0, await db.SortedSetLengthAsync(RedisKeys.Queue(campaign)));
        Assert.False(await db.KeyExistsAsync(RedisKeys.Seen(campaign)));
    }

    [Fact]
    public async Task JoinMany_FailingHalfway_StillCountsTheIndicesItHandedOut_AndMarksThePlacesItWrote()
    {
        // Redis keeps a script's writes when it fails halfway. Here the second member's turn lapsed, and taking it out
        // of the active set meets a key of the wrong type: the first member is already in line by then.
        var db = sys.Redis.GetDatabase();
        var campaign = $"c_half{Guid.NewGuid():N}"[..14];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await db.SetAddAsync(RedisKeys.Lapsed(campaign), "lapsed");
        await db.StringSetAsync(RedisKeys.Active(campaign), "not a sorted set");

        await Assert.ThrowsAsync<RedisServerException>(() => QueueScripts.JoinManyAsync(db, campaign, ["first", "lapsed", "third"], Perm, now, now - 1000, stock: 10));

        Assert.Equal(1, await db.SortedSetLengthAsync(RedisKeys.Queue(campaign)));
        Assert.Equal(1, (long)await db.HashGetAsync(RedisKeys.Admission(campaign), "joins"));
        Assert.Equal((uint)(now / 1000), await MarkAsync(db, campaign, 0));
        // The next batch hands out the next index, not the first one again.
        await db.KeyDeleteAsync(RedisKeys.Active(campaign));
        await QueueScripts.JoinManyAsync(db, campaign, ["third"], Perm, now, now - 1000, stock: 10);
        Assert.Equal([0.0 + QueueLua.PostStartBase, 1.0 + QueueLua.PostStartBase], (await Places(db, campaign)).Select(p => p.Score));
    }

    [Fact]
    public async Task StatusMany_BeforeTheStart_AnswersMembershipOnly_AndWritesNoMark_AfterItRefreshesAnOldMark()
    {
        var db = sys.Redis.GetDatabase();
        var campaign = $"c_poll{Guid.NewGuid():N}"[..14];
        var joinedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var startMs = joinedAt + 60_000;
        await QueueScripts.JoinManyAsync(db, campaign, ["in-1", "in-2"], Perm, joinedAt, startMs, stock: 10);
        await db.HashSetAsync(RedisKeys.Admission(campaign), [new("startMs", startMs), new("expiry", 120_000)]);

        var before = (RedisResult[])(await QueueScripts.StatusManyAsync(db, campaign, ["in-1", "out", "in-2"], joinedAt + 30_000, startMs))!;
        Assert.Equal([0L, -1L, 0L], before.Select(a => (long)((RedisResult[])a!)[0]));
        Assert.Equal((uint)(joinedAt / 1000), await MarkAsync(db, campaign, 0));

        var after = (RedisResult[])(await QueueScripts.StatusManyAsync(db, campaign, ["in-2", "in-1"], startMs + 10_000, startMs))!;
        Assert.Equal([0L, 1L], after.Select(a => (long)((RedisResult[])a!)[0]).Order().ToArray());
        Assert.Equal((uint)((startMs + 10_000) / 1000), await MarkAsync(db, campaign, 0));
        Assert.Equal((uint)((startMs + 10_000) / 1000), await MarkAsync(db, campaign, 1));
    }

    private static async Task<uint> MarkAsync(IDatabase db, string campaign, int index) => (uint)await db.SeenMarkAtAsync(campaign, index);

    private static async Task<(string Member, double Score)[]> Places(IDatabase db, string campaign) =>
        [.. (await db.SortedSetRangeByRankWithScoresAsync(RedisKeys.Queue(campaign))).Select(e => ((string)e.Element!, e.Score))];
}
