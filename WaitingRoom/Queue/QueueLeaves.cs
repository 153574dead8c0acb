namespace FlashSale.WaitingRoom.Queue;

/// <summary>What an edge announces on the leaves channel when a shopper gives up a place: "campaignId member".</summary>
public static class QueueLeaves
{
    public static string Format(string campaignId, string member) => campaignId + " " + member;

    public static bool TryParse(string? message, out string campaignId, out string member)
    {
        var i = message?.IndexOf(' ') ?? -1;
        campaignId = i > 0 ? message![..i] : "";
        member = i > 0 ? message![(i + 1)..] : "";
        // Anything else on the channel is not ours to act on; a malformed member must not throw on the subscriber.
        return i > 0 && member.Length == Shared.Redis.QueueMember.Length;
    }
}
