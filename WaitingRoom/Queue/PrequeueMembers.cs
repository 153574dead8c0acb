namespace FlashSale.WaitingRoom.Queue;

/// <summary>
/// Shoppers this edge knows to be in a campaign's pre-queue. Before the start a place is not a position: the only thing
/// a status poll learns from Redis is "still in line", and only leaving changes that (the position expiry counts from
/// the start). So polls of known members are answered here, and the storm of pre-start polls costs Redis nothing.
/// A campaign's members are forgotten at its start, when polls begin to read positions.
/// </summary>
public sealed class PrequeueMembers(long capacity, TimeProvider time)
{
    private readonly MemberPlaces<InLine> members = new(capacity, time);

    /// <summary>Members kept, over all campaigns.</summary>
    public long Count => members.Count;

    /// <inheritdoc cref="MemberPlaces{TPlace}.Watch"/>
    public MemberPlaces<InLine>.Ticket Watch(string campaignId) => members.Watch(campaignId);

    public bool Contains(string campaignId, string member) => members.TryGet(campaignId, member, out _);

    /// <summary>Remembers a member Redis answered for as in line, unless anyone left since the ticket was taken.</summary>
    public void Add(MemberPlaces<InLine>.Ticket ticket, string member, DateTimeOffset startsAt) =>
        members.Add(ticket, member, default, startsAt);

    /// <inheritdoc cref="MemberPlaces{TPlace}.Remove"/>
    public void Remove(string campaignId, string member) => members.Remove(campaignId, member);

    /// <inheritdoc cref="MemberPlaces{TPlace}.Clear"/>
    public void Clear() => members.Clear();

    /// <summary>Drops the campaigns that have started (their polls read positions) or that nobody polled for a minute.</summary>
    public void DropStartedOrIdle() => members.DropDueOrIdle();

    /// <summary>A pre-queue place has nothing to remember but that it is there.</summary>
    public readonly record struct InLine;
}
