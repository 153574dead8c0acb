namespace FlashSale.Shared.Redis;

/// <summary>
/// One member's join: rank (-1: not joined, because the campaign is closed; 0 before the start), the cursor, whether
/// the campaign is closed, the seen mark the join gave (Unix seconds, 0 before the start) and how many have left the
/// queue so far (see <see cref="QueueScripts.Join"/>).
/// </summary>
public readonly record struct JoinAnswer(long Rank, double Served, bool Closed, long Mark, long Left);
