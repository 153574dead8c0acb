using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FlashSale.WaitingRoom.Queue;

/// <summary>
/// What this edge last heard from Redis about members' places, per campaign, so that polls whose answer cannot have
/// changed are answered from memory. Never more than Redis said, and never a member who has left since: leaving, here
/// or on another edge (<see cref="QueueService"/> hears of those through pub/sub), takes the member out, and an answer
/// asked for before a leave went through is not remembered.
/// </summary>
/// <remarks>
/// A member is kept as 64 of its 84 bits: a collision would answer for someone else's place, at odds of about one in
/// 10^7 for a queue of 2M. Bounded by <paramref name="capacity"/> members over all campaigns; past it, polls simply go
/// to Redis.
/// </remarks>
public sealed class MemberPlaces<TPlace>(long capacity, TimeProvider time) where TPlace : struct
{
    private static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, MemberSet> campaigns = new();
    private long count;

    /// <summary>Members kept, over all campaigns.</summary>
    public long Count => Interlocked.Read(ref count);

    /// <summary>
    /// Taken before asking Redis about a member of <paramref name="campaignId"/>, and handed to <see cref="Add"/> with
    /// the answer: a leave in between (which may have come after that answer) makes it stale.
    /// </summary>
    public Ticket Watch(string campaignId)
    {
        var set = campaigns.GetOrAdd(campaignId, _ => new MemberSet(time.GetUtcNow().UtcTicks));
        return new Ticket(set, set.Generation);
    }

    /// <summary>Where and when a question to Redis was asked; see <see cref="Watch"/>.</summary>
    public readonly record struct Ticket(MemberSet Set, long Generation);

    /// <summary>Whether this edge keeps a set for the campaign.</summary>
    public bool Keeps(string campaignId) => campaigns.ContainsKey(campaignId);

    public bool TryGet(string campaignId, string member, out TPlace place)
    {
        if (campaigns.TryGetValue(campaignId, out var set))
        {
            return set.TryGet(KeyOf(member), time.GetUtcNow().UtcTicks, out place);
        }
        place = default;
        return false;
    }

    /// <summary>
    /// Remembers what Redis answered for a member (replacing what was known), unless anyone left since the ticket was
    /// taken. The campaign's set is dropped once <paramref name="dropAfter"/> has passed.
    /// </summary>
    public void Add(Ticket ticket, string member, TPlace place, DateTimeOffset dropAfter)
    {
        // At capacity a known member's place is still brought up to date; only newcomers are turned away.
        var full = Interlocked.Read(ref count) >= capacity;
        Volatile.Write(ref ticket.Set.DropAfter, dropAfter.UtcTicks);
        // The set the question was asked of: if it has been dropped since, it is retired and refuses the member.
        if (ticket.Set.Add(KeyOf(member), place, ticket.Generation, time.GetUtcNow().UtcTicks, mayGrow: !full))
        {
            Interlocked.Increment(ref count);
        }
    }

    /// <summary>A member left: a poll in flight that read its place before this may no longer add it.</summary>
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

    /// <summary>Drops the campaigns past the moment their answers stop being useful, or that nobody asked about for a minute.</summary>
    public void DropDueOrIdle()
    {
        var now = time.GetUtcNow().UtcTicks;
        foreach (var (id, set) in campaigns)
        {
            if (now >= Volatile.Read(ref set.DropAfter) || now - Volatile.Read(ref set.LastUsed) >= IdleAfter.Ticks)
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

        private readonly Dictionary<ulong, TPlace>[] stripes = CreateStripes();
        private long generation;
        private bool retired;
        internal long DropAfter = long.MaxValue;
        internal long LastUsed = createdTicks;

        internal long Generation => Interlocked.Read(ref generation);

        internal bool TryGet(ulong key, long nowTicks, out TPlace place)
        {
            var stripe = stripes[key % Stripes];
            bool found;
            lock (stripe)
            {
                found = stripe.TryGetValue(key, out place);
            }
            if (found)
            {
                Volatile.Write(ref LastUsed, nowTicks);
            }
            return found;
        }

        /// <summary>True when the member is new to the set; a new member only when <paramref name="mayGrow"/>.</summary>
        internal bool Add(ulong key, TPlace place, long seenGeneration, long nowTicks, bool mayGrow)
        {
            var stripe = stripes[key % Stripes];
            lock (stripe)
            {
                // Checked under the stripe's lock, which Remove takes after moving the generation on: either Remove
                // finds the key and takes it out, or this sees the new generation and does not add it.
                if (retired || Interlocked.Read(ref generation) != seenGeneration)
                {
                    return false;
                }
                ref var known = ref CollectionsMarshal.GetValueRefOrNullRef(stripe, key);
                var added = Unsafe.IsNullRef(ref known);
                if (!added)
                {
                    known = place;
                }
                else if (mayGrow)
                {
                    stripe.Add(key, place);
                }
                else
                {
                    return false;
                }
                Volatile.Write(ref LastUsed, nowTicks);
                return added;
            }
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

        private static Dictionary<ulong, TPlace>[] CreateStripes()
        {
            var sets = new Dictionary<ulong, TPlace>[Stripes];
            for (var i = 0; i < Stripes; i++)
            {
                sets[i] = [];
            }
            return sets;
        }
    }
}
