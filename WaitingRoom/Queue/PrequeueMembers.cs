using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Concurrent;

namespace FlashSale.WaitingRoom.Queue;

/// <summary>
/// Shoppers this edge knows to be in a campaign's pre-queue. Before the start a place is not a position: the only thing
/// a status poll learns from Redis is "still in line", and only leaving changes that (the position expiry counts from
/// the start). So polls of known members are answered here, and the storm of pre-start polls costs Redis nothing.
/// Leaving, here or on another edge (<see cref="QueueService"/> hears of those through pub/sub), takes the member out.
/// </summary>
/// <remarks>
/// A member is kept as 64 of its 84 bits (20 bytes with the set's overhead instead of a string's 60): a collision would
/// answer "prequeue" to someone who is not in line, at odds of about one in 10^7 for a queue of 2M. The cache is
/// bounded by <paramref name="capacity"/> members over all campaigns; past it, polls simply go to Redis.
/// </remarks>
public sealed class PrequeueMembers(long capacity, TimeProvider time)
{
    private static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, MemberSet> campaigns = new();
    private long count;

    /// <summary>Members kept, over all campaigns.</summary>
    public long Count => Interlocked.Read(ref count);

    /// <summary>
    /// Taken before asking Redis whether a member of <paramref name="campaignId"/> is in line, and handed to
    /// <see cref="Add"/> with the answer: a leave in between (which may have come after that answer) makes it stale.
    /// </summary>
    public Ticket Watch(string campaignId)
    {
        var set = campaigns.GetOrAdd(campaignId, _ => new MemberSet(time.GetUtcNow().UtcTicks));
        return new Ticket(set, set.Generation);
    }

    /// <summary>Where and when a question to Redis was asked; see <see cref="Watch"/>.</summary>
    public readonly record struct Ticket(MemberSet Set, long Generation);

    public bool Contains(string campaignId, string member) =>
        campaigns.TryGetValue(campaignId, out var set) && set.Contains(KeyOf(member), time.GetUtcNow().UtcTicks);

    /// <summary>Remembers a member Redis answered for as in line, unless anyone left since <paramref name="generation"/>.</summary>
    public void Add(Ticket ticket, string member, DateTimeOffset startsAt)
    {
        if (Interlocked.Read(ref count) >= capacity)
        {
            return;
        }
        Volatile.Write(ref ticket.Set.StartsAt, startsAt.UtcTicks);
        // The set the question was asked of: if it has been dropped since, it is retired and refuses the member.
        if (ticket.Set.Add(KeyOf(member), ticket.Generation, time.GetUtcNow().UtcTicks))
        {
            Interlocked.Increment(ref count);
        }
    }

    /// <summary>A member left: a poll in flight that read "in line" before this may no longer add it.</summary>
    public void Remove(string campaignId, string member)
    {
        // No set, no poll in flight that could add the member back: each made the set it will add to when it watched.
        if (campaigns.TryGetValue(campaignId, out var set) && set.Remove(KeyOf(member)))
        {
            Interlocked.Decrement(ref count);
        }
    }

    /// <summary>Forgets everything, as after a lost pub/sub connection, when leaves on other edges may have gone unheard.</summary>
    public void Clear()
    {
        foreach (var id in campaigns.Keys)
        {
            Drop(id);
        }
    }

    /// <summary>Drops the campaigns that have started (their polls read positions from Redis) or that nobody polled for a minute.</summary>
    public void DropStartedOrIdle()
    {
        var now = time.GetUtcNow().UtcTicks;
        foreach (var (id, set) in campaigns)
        {
            if (now >= Volatile.Read(ref set.StartsAt) || now - set.LastUsed >= IdleAfter.Ticks)
            {
                Drop(id);
            }
        }
    }

    private void Drop(string campaignId)
    {
        if (campaigns.TryRemove(campaignId, out var set))
        {
            // A poll still holding the set cannot add to it after this: a retired set refuses members.
            Interlocked.Add(ref count, -set.Retire());
        }
    }

    private static ulong KeyOf(string member)
    {
        // QueueMember names are 14 base64url characters; the first 12 decode to 9 bytes without padding.
        Span<byte> bytes = stackalloc byte[9];
        Base64Url.DecodeFromChars(member.AsSpan(0, 12), bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    public sealed class MemberSet(long createdTicks)
    {
        private const int Stripes = 16;

        private readonly HashSet<ulong>[] stripes = CreateStripes();
        private long generation;
        private bool retired;
        internal long StartsAt = long.MaxValue;
        internal long LastUsed = createdTicks;

        internal long Generation => Interlocked.Read(ref generation);

        internal bool Contains(ulong key, long nowTicks)
        {
            var stripe = stripes[key % Stripes];
            bool found;
            lock (stripe)
            {
                found = stripe.Contains(key);
            }
            if (found)
            {
                Volatile.Write(ref LastUsed, nowTicks);
            }
            return found;
        }

        internal bool Add(ulong key, long seenGeneration, long nowTicks)
        {
            var stripe = stripes[key % Stripes];
            lock (stripe)
            {
                // Checked under the stripe's lock, which Remove takes after moving the generation on: either Remove
                // finds the key and takes it out, or this sees the new generation and does not add it.
                if (retired || Interlocked.Read(ref generation) != seenGeneration || !stripe.Add(key))
                {
                    return false;
                }
            }
            Volatile.Write(ref LastUsed, nowTicks);
            return true;
        }

        internal bool Remove(ulong key)
        {
            Interlocked.Increment(ref generation);
            var stripe = stripes[key % Stripes];
            lock (stripe)
            {
                return stripe.Remove(key);
            }
        }

        /// <summary>Empties the set for good and answers how many members it held.</summary>
        internal int Retire()
        {
            var removed = 0;
            foreach (var stripe in stripes)
            {
                lock (stripe)
                {
                    retired = true;
                    removed += stripe.Count;
                    stripe.Clear();
                    stripe.TrimExcess();
                }
            }
            return removed;
        }

        private static HashSet<ulong>[] CreateStripes()
        {
            var sets = new HashSet<ulong>[Stripes];
            for (var i = 0; i < Stripes; i++)
            {
                sets[i] = [];
            }
            return sets;
        }
    }
}
