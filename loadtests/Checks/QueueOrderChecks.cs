using FlashSale.Shared.Redis;
using StackExchange.Redis;
using static FlashSale.LoadTests.Checks.InventoryChecks;

namespace FlashSale.LoadTests.Checks;

/// <summary>
/// Fairness, read from the campaign's Redis queue: the cursor admits by queue rank, so admission order is the rank.
/// Pre-queue members (score a keyed shuffle of the join index, below 2^52) must be in an order unrelated to the order they joined in;
/// post-start members (2^52 + arrival sequence) in exactly the order they joined, as far as the clients can tell:
/// no one ranked behind a shopper whose join was answered before that shopper's was even sent.
/// </summary>
public static class QueueOrderChecks
{
    private const int Chunk = 100_000;

    /// <param name="preQueueBound">|rho| allowed for the pre-queue; by default six standard deviations of a random order (<see cref="Spearman.RandomBound"/>).</param>
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(IDatabase redis, string queueKey, Func<string, JoinRecord?> joinOf, CancellationToken ct, double? preQueueBound = null)
    {
        var preJoinOrder = new List<int>();
        var post = new List<JoinRecord>();
        long members = 0, unknown = 0, preUnanswered = 0;
        for (long start = 0; ; start += Chunk)
        {
            ct.ThrowIfCancellationRequested();
            var page = await redis.SortedSetRangeByRankWithScoresAsync(queueKey, start, start + Chunk - 1);
            foreach (var entry in page)
            {
                members++;
                if (joinOf(entry.Element!) is not { } join)
                {
                    unknown++;
                    continue;
                }
                if (entry.Score < QueueLua.PostStartBase)
                {
                    if (join.Answered > 0)
                    {
                        preJoinOrder.Add(join.Answered);
                    }
                    else
                    {
                        preUnanswered++;
                    }
                }
                else
                {
                    post.Add(join);
                }
            }
            if (page.Length < Chunk)
            {
                break;
            }
        }
        var context = $"queue of {N(members)} ({N(unknown)} not from this run)";
        return [PreQueue(preJoinOrder, preUnanswered, context, preQueueBound), PostStart(post, context)];
    }

    private static CheckResult PreQueue(List<int> joinOrder, long unanswered, string context, double? fixedBound)
    {
        var n = joinOrder.Count;
        if (n < 30)
        {
            return new CheckResult(CheckNames.PreQueueRandom, CheckStatus.Skip, $"only {N(n)} pre-queue joins answered; {context}");
        }
        // Listed in rank order, so the rank of the i-th entry is i.
        var ranks = Enumerable.Range(0, n).ToArray();
        var rho = Spearman.Rho([.. joinOrder], ranks);
        var bound = fixedBound ?? Spearman.RandomBound(n);
        return CheckResult.Of(CheckNames.PreQueueRandom, Math.Abs(rho) <= bound,
            $"rho = {rho:0.0000} over {N(n)} pre-queue shoppers (random if |rho| <= {bound:0.0000}; FIFO would be 1); "
            + $"{N(unanswered)} in the pre-queue whose join answer was lost; {context}");
    }

    private static CheckResult PostStart(List<JoinRecord> inRankOrder, string context)
    {
        if (inRankOrder.Count == 0)
        {
            return new CheckResult(CheckNames.PostStartFifo, CheckStatus.Skip, $"no one joined after the start; {context}");
        }
        long violations = 0;
        var latestSent = 0;
        foreach (var join in inRankOrder)
        {
            if (join.Answered > 0 && join.Answered < latestSent)
            {
                violations++;
            }
            latestSent = Math.Max(latestSent, join.Sent);
        }
        return CheckResult.Of(CheckNames.PostStartFifo, violations == 0,
            $"{N(inRankOrder.Count)} post-start shoppers in rank order; ranked behind someone who joined after them: {N(violations)}; {context}");
    }
}
