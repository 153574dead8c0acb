namespace FlashSale.Shared.Redis;

/// <summary>
/// Every key of one campaign carries the campaign id as its hash tag, so a Redis Cluster keeps a campaign's
/// queue, cursor and tokens on one shard (scripts touch them together) and spreads campaigns across shards.
/// </summary>
public static class RedisKeys
{
    public const string CampaignIndex = "fs:campaigns";
    public const string EventsChannel = "fs:events";

    /// <summary>Shoppers who left a queue, announced by the edge that saw them go to the others (see QueueLeaves).</summary>
    public const string LeavesChannel = "fs:leaves";

    public static string Campaign(string id) => $"fs:{{{id}}}:campaign";
    public static string Queue(string id) => $"fs:{{{id}}}:queue";
    public static string Admission(string id) => $"fs:{{{id}}}:admission";
    /// <summary>The admission token of a shopper's open turn, by <see cref="QueueMember"/> name.</summary>
    public static string Token(string id, string member) => $"fs:{{{id}}}:token:{member}";
    public static string Claimed(string id) => $"fs:{{{id}}}:claimed";

    /// <summary>Claims committed in one second (Unix time), for Admin's claims per second; each lives a minute.</summary>
    public static string ClaimsInSecond(string id, long unixSecond) => $"fs:{{{id}}}:claims:{unixSecond}";

    /// <summary>Admitted shoppers who have neither claimed nor lapsed, scored by the deadline of their turn.</summary>
    public static string Active(string id) => $"fs:{{{id}}}:active";

    /// <summary>Admitted shoppers whose turn ran out unused: still in line (ranks stay put), but out of the game.</summary>
    public static string Lapsed(string id) => $"fs:{{{id}}}:lapsed";

    /// <summary>
    /// When each queued shopper last polled or listened, four bytes per join index (see <see cref="QueueLua"/>). Not
    /// ":seen", the sorted set earlier builds kept there: a campaign left over from one must not fail on its type.
    /// </summary>
    public static string Seen(string id) => $"fs:{{{id}}}:seen-marks";

    /// <summary>
    /// The keys that grow with every shopper who queued (not the tokens, which expire with their turns): what goes
    /// once a campaign is over. All carry the campaign's hash tag, so one UNLINK may name them all.
    /// </summary>
    public static object[] PerShopper(string id) => [Queue(id), Seen(id), Active(id), Lapsed(id)];
}
