using System.Collections.Concurrent;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Redis;

namespace FlashSale.WaitingRoom.Queue;

/// <summary>
/// Waiting shoppers' places after the start, as Redis last told this edge, so that most of their polls are answered
/// from memory. A poll whose shopper was marked seen less than <see cref="AdmissionCursor.SeenRefreshMilliseconds"/>
/// − 1 s ago writes nothing in Redis; all it reads there is a rank, which only ever improves (when someone ahead
/// leaves), and the campaign's cursor, which every answer from Redis brings back. So such a poll is answered from the
/// rank Redis last gave and the newest cursor this edge has seen, at most <see cref="CursorMaxAge"/> old.
/// </summary>
/// <remarks>
/// The rank shown may be behind by the shoppers ahead who left since it was read (as the live stream's is), at most
/// one refresh interval. Admission is never missed by that: Redis counts every departure from the queue, and a poll
/// goes to Redis whenever the departures since the rank was read could have brought the shopper within reach of the
/// cursor. Sold-out and admission changes forget the campaign's cursor as they are announced. About 44 bytes a member
/// (<c>WaitingRoom:LivePlacesMembers</c>).
/// </remarks>
public sealed class LivePlaces(long capacity, TimeProvider time)
{
    /// <summary>How old a campaign's cursor may be to answer from: its admissions in that time are the margin kept.</summary>
    public static readonly TimeSpan CursorMaxAge = TimeSpan.FromMilliseconds(250);

    private readonly MemberPlaces<Place> places = new(capacity, time);
    private readonly ConcurrentDictionary<string, Cursor> cursors = new();
    private long answered;

    /// <summary>A rank (0-based) as read when <paramref name="LeftBefore"/> shoppers had left the queue, and the shopper's seen mark then.</summary>
    public readonly record struct Place(int Rank, int LeftBefore, long MarkSecond);

    /// <summary>The campaign's cursor, sold-out flag and departures count as Redis answered them at <paramref name="AtTicks"/>.</summary>
    private readonly record struct Cursor(double Served, bool Closed, long Left, long AtTicks);

    /// <summary>Members kept, over all campaigns.</summary>
    public long Count => places.Count;

    /// <summary>Polls answered from memory so far.</summary>
    public long Answered => Interlocked.Read(ref answered);

    /// <inheritdoc cref="MemberPlaces{TPlace}.Watch"/>
    public MemberPlaces<Place>.Ticket Watch(string campaignId) => places.Watch(campaignId);

    /// <summary>What Redis answered for a waiting shopper, at <paramref name="askedAt"/> or later.</summary>
    public void Remember(MemberPlaces<Place>.Ticket ticket, Campaign campaign, string member, long rank, double served, long left, long markSecond, DateTimeOffset askedAt)
    {
        See(campaign.Id, served, closed: false, left, askedAt);
        if (rank <= int.MaxValue && left <= int.MaxValue)
        {
            places.Add(ticket, member, new Place((int)rank, (int)left, markSecond), campaign.EndsAt);
        }
    }

    /// <summary>Keeps the newest cursor any answer brought (of two asked at one instant, the one that arrived last).</summary>
    public void See(string campaignId, double served, bool closed, long left, DateTimeOffset askedAt)
    {
        var seen = new Cursor(served, closed, left, askedAt.UtcTicks);
        // The members of one batch bring the same cursor: the first of them records it, the rest find it there.
        if (cursors.TryGetValue(campaignId, out var known) && (known.AtTicks > seen.AtTicks || known == seen))
        {
            return;
        }
        cursors.AddOrUpdate(campaignId, seen, (_, current) => current.AtTicks > seen.AtTicks ? current : seen);
    }

    /// <summary>An announced change (sold out, admission settings, cancel): the next poll reads Redis.</summary>
    public void ForgetCursor(string campaignId) => cursors.TryRemove(campaignId, out _);

    /// <summary>
    /// The place to describe a live campaign's poll by, when memory answers it as Redis would: the shopper is known
    /// here, the mark is fresh, the cursor recent, and the shopper cannot have reached it.
    /// </summary>
    public bool TryAnswer(Campaign campaign, string member, DateTimeOffset now, out long rank, out double served)
    {
        rank = 0;
        served = 0;
        if (!cursors.TryGetValue(campaign.Id, out var cursor) || cursor.Closed || now.UtcTicks - cursor.AtTicks > CursorMaxAge.Ticks
            || !places.TryGet(campaign.Id, member, out var place)
            // The refresh rule of the status script: from here on a poll must go to Redis to keep the place.
            || now.ToUnixTimeMilliseconds() - place.MarkSecond * 1000 >= AdmissionCursor.SeenRefreshMilliseconds - 1000)
        {
            return false;
        }
        // Everyone who left since the rank was read may have stood ahead; the cursor may have moved for CursorMaxAge.
        var lowest = place.Rank - Math.Max(0, cursor.Left - place.LeftBefore);
        var reach = (long)Math.Floor(cursor.Served) + (long)Math.Ceiling(campaign.Admission.RatePerSecond * CursorMaxAge.TotalSeconds) + 1;
        if (lowest < reach)
        {
            return false;
        }
        rank = place.Rank;
        served = cursor.Served;
        Interlocked.Increment(ref answered);
        return true;
    }

    /// <inheritdoc cref="MemberPlaces{TPlace}.Remove"/>
    public void Remove(string campaignId, string member) => places.Remove(campaignId, member);

    /// <inheritdoc cref="MemberPlaces{TPlace}.Clear"/>
    public void Clear()
    {
        places.Clear();
        cursors.Clear();
    }

    /// <summary>Drops the campaigns that have ended or that nobody polled for a minute.</summary>
    public void DropEndedOrIdle()
    {
        places.DropDueOrIdle();
        foreach (var id in cursors.Keys)
        {
            if (!places.Keeps(id))
            {
                cursors.TryRemove(id, out _);
            }
        }
    }
}
