using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Dapper;
using FlashSale.ClaimApi.Inventory;
using FlashSale.Shared.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FlashSale.ClaimApi.Claims;

public sealed record PendingClaim(
    string CampaignId, string UserId, string Code, DateTime ClaimedAt, DateTime? ExpiresAt, DateTime? HoldUntil, LeaseSlot Slot, CampaignStock Stock)
{
    // Completed inline by the writer, as the edge's batcher does: a batch's answers are written on the writer's thread
    // instead of a thread-pool hop each; the writer's next batch waits that long, the other writers do not.
    public TaskCompletionSource<ClaimOutcome> Done { get; } = new();

    /// <summary>
    /// Settles the unit, then answers, once. In that order because the answer's continuation runs inline: a shopper told
    /// to retry must find the unit back already.
    /// </summary>
    public void Answer(ClaimOutcome outcome, bool committed)
    {
        if (Done.Task.IsCompleted)
        {
            return;
        }
        Stock.Settle(Slot, committed);
        Done.TrySetResult(outcome);
    }
}

/// <summary>
/// Created: this request's row committed. Existing: the user already held this coupon. Cancelled: PostgreSQL refused
/// the row because the campaign was cancelled. Failed: nothing was written.
/// </summary>
public sealed record ClaimOutcome(ClaimResponse? Created, ClaimResponse? Existing, Exception? Failure, bool Cancelled = false);

/// <summary>
/// Group commit: claims that arrive while a write is in flight go together in the next one, so a storm costs one
/// INSERT per batch instead of one transaction per claim. A claim's task completes only after its batch commits.
/// </summary>
public sealed class ClaimWriter(NpgsqlDataSource db, EdgeSignals signals, IOptions<ClaimApiOptions> options, IMeterFactory meters, ILogger<ClaimWriter> log)
    : BackgroundService
{
    private readonly Histogram<int> batches = meters.Create(ServiceDefaults.MeterName)
        .CreateHistogram<int>("flashsale.claims.batch.size", "{claim}", "Claims one group commit wrote: larger batches spread a commit over more claims");

    private readonly Histogram<double> commits = meters.Create(ServiceDefaults.MeterName)
        .CreateHistogram<double>("flashsale.claims.commit.duration", "ms", "One group commit, from taking the batch to its COMMIT");

    private const string InsertSql =
        """
        with batch as (
            select * from unnest(@campaigns::text[], @users::text[], @codes::text[], @leases::bigint[], @claimedAt::timestamptz[],
                                 @expiresAt::timestamptz[], @holdUntil::timestamptz[])
                as b(campaign_id, user_id, coupon_code, lease_id, claimed_at, expires_at, hold_until)),
        -- Locked in id order: two writers whose batches span the same two leases would otherwise update them in
        -- opposite orders and deadlock (seen in the claim storm). The ids come as their own short array, not from the
        -- batch: a row lock over a join with the batch makes PostgreSQL copy every batch row whole for its recheck,
        -- which cost about a seventh of its CPU in the storm.
        locked as (
            select l.id, l.campaign_id from leases l
            where l.id = any(@leaseIds::bigint[]) and l.closed_at is null
            order by l.id
            for no key update),
        ins as (
            -- The joins stand in for foreign keys (migration 004): a row lands only in an open lease of its campaign,
            -- and not once the campaign is cancelled, however fresh this instance's copy of the campaign is.
            insert into claims (campaign_id, user_id, coupon_code, lease_id, claimed_at, expires_at, hold_until)
            select b.* from batch b
            join locked l on l.id = b.lease_id and l.campaign_id = b.campaign_id
            join campaigns c on c.id = b.campaign_id and c.cancelled_at is null
            on conflict (campaign_id, user_id) where status in ('claimed', 'redeemed') do nothing
            returning coupon_code, lease_id),
        counted as (
            update leases l set used = l.used + c.n
            from (select lease_id, count(*)::int as n from ins group by lease_id) c
            where l.id = c.lease_id)
        select coupon_code from ins
        """;

    private readonly Channel<PendingClaim> queue = Channel.CreateBounded<PendingClaim>(new BoundedChannelOptions(options.Value.QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleWriter = false,
    });

    /// <summary>False when the queue is full: the caller answers 503 rather than grow memory without bound.</summary>
    public bool TryEnqueue(PendingClaim claim) => queue.Writer.TryWrite(claim);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Writers).Select(_ => Task.Run(() => RunAsync(stoppingToken), stoppingToken)));

    private async Task RunAsync(CancellationToken ct)
    {
        var max = options.Value.MaxBatchSize;
        var batch = new List<PendingClaim>(max);
        // Each writer keeps one connection: a pooled one would land each batch on another backend, and a backend new
        // to the claim table first maps its index pages into its own memory, which showed as page faults on every insert.
        NpgsqlConnection? conn = null;
        try
        {
            while (await queue.Reader.WaitToReadAsync(ct))
            {
                while (batch.Count < max && queue.Reader.TryRead(out var claim))
                {
                    batch.Add(claim);
                }
                if (batch.Count == 0)
                {
                    continue;
                }
                conn = await WriteAsync(conn, batch);
                batch.Clear();
            }
        }
        finally
        {
            if (conn is not null)
            {
                await conn.DisposeAsync();
            }
        }
    }

    /// <summary>Writes one batch and answers its claims; returns the connection to write the next one on, or null after a failure.</summary>
    private async Task<NpgsqlConnection?> WriteAsync(NpgsqlConnection? conn, List<PendingClaim> batch)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            conn ??= await db.OpenConnectionAsync();
            var inserted = await InsertAsync(conn, batch);
            batches.Record(batch.Count);
            commits.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

            // Matched by code, not by user: the same user twice in one batch inserts once and the other copy is a duplicate.
            // Answer the committed ones first: whatever happens next, their units are spent and their rows are durable.
            var committed = new List<ClaimResponse>(inserted.Count);
            var duplicates = new List<PendingClaim>();
            foreach (var claim in batch)
            {
                if (inserted.Contains(claim.Code))
                {
                    var response = Response(claim);
                    committed.Add(response);
                    claim.Answer(new ClaimOutcome(response, null, null), committed: true);
                }
                else
                {
                    duplicates.Add(claim);
                }
            }
            if (duplicates.Count > 0)
            {
                await AnswerUnwrittenAsync(conn, duplicates);
            }
            // Not awaited: the next batch should not wait on Redis, and a lost signal only delays a display.
            _ = SignalAsync(committed);
            return conn;
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Group commit of {Count} claims failed; nothing of it was written", batch.Count);
            // Claims answered before the failure (committed ones) keep their answer.
            foreach (var claim in batch)
            {
                claim.Answer(new ClaimOutcome(null, null, e), committed: false);
            }
            // The connection may be the broken part (PostgreSQL restarted); the next batch opens a fresh one.
            if (conn is not null)
            {
                await conn.DisposeAsync();
            }
            return null;
        }
    }

    /// <summary>
    /// Rows the insert left out: a user who already holds a coupon gets it back (200); a campaign cancelled since this
    /// instance last read it is told as such (409); anything else (a closed lease) was not written (503).
    /// </summary>
    private static async Task AnswerUnwrittenAsync(NpgsqlConnection conn, List<PendingClaim> unwritten)
    {
        var keys = unwritten.Select(c => (c.CampaignId, c.UserId)).Distinct().ToList();
        var existing = (await conn.QueryAsync<ExistingRow>(
            """
            select c.campaign_id, c.user_id, c.coupon_code, c.claimed_at, c.expires_at, c.hold_until
            from claims c join unnest(@campaigns::text[], @users::text[]) as k(campaign_id, user_id)
              on c.campaign_id = k.campaign_id and c.user_id = k.user_id
            where c.status in ('claimed', 'redeemed')
            """,
            new { campaigns = keys.Select(k => k.CampaignId).ToArray(), users = keys.Select(k => k.UserId).ToArray() }))
            .ToDictionary(r => (r.CampaignId, r.UserId), r => r.ToResponse());
        var unheld = unwritten.Where(c => !existing.ContainsKey((c.CampaignId, c.UserId))).Select(c => c.CampaignId).Distinct().ToArray();
        var cancelled = unheld.Length == 0
            ? []
            : (await conn.QueryAsync<string>("select id from campaigns where id = any(@unheld) and cancelled_at is not null", new { unheld })).ToHashSet();
        foreach (var claim in unwritten)
        {
            var outcome = existing.TryGetValue((claim.CampaignId, claim.UserId), out var held) ? new ClaimOutcome(null, held, null)
                : cancelled.Contains(claim.CampaignId) ? new ClaimOutcome(null, null, null, Cancelled: true)
                : new ClaimOutcome(null, null, new InvalidOperationException("The claim was not written: its lease is closed, or its holder was not found."));
            claim.Answer(outcome, committed: false);
        }
    }

    /// <summary>
    /// One statement, so one transaction: the rows, their leases' counts, or nothing. A deadlock or serialization
    /// failure rolled all of it back, so running it again cannot write anything twice.
    /// </summary>
    internal static async Task<HashSet<string>> InsertAsync(NpgsqlConnection conn, List<PendingClaim> batch)
    {
        var args = new
        {
            campaigns = batch.Select(c => c.CampaignId).ToArray(),
            users = batch.Select(c => c.UserId).ToArray(),
            codes = batch.Select(c => c.Code).ToArray(),
            leases = batch.Select(c => c.Slot.Id).ToArray(),
            leaseIds = batch.Select(c => c.Slot.Id).Distinct().ToArray(),
            claimedAt = batch.Select(c => c.ClaimedAt).ToArray(),
            expiresAt = batch.Select(c => c.ExpiresAt).ToArray(),
            holdUntil = batch.Select(c => c.HoldUntil).ToArray(),
        };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Not QueryAsync: Dapper reads in sequential mode, where a row that straddles Npgsql's 8 KB buffer
                // (a batch of about 200 codes) is finished by a blocking socket read, holding a thread for a round trip.
                var inserted = new HashSet<string>(batch.Count);
                await using var reader = await conn.ExecuteReaderAsync(InsertSql, args);
                while (await reader.ReadAsync())
                {
                    inserted.Add(reader.GetString(0));
                }
                return inserted;
            }
            catch (PostgresException e) when (attempt < 3 && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // PostgreSQL chose this batch as the deadlock's victim; the shoppers behind it should not see that.
            }
        }
    }

    private async Task SignalAsync(List<ClaimResponse> committed)
    {
        if (committed.Count == 0)
        {
            return;
        }
        try
        {
            await signals.ClaimedAsync(committed);
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Could not signal {Count} committed claims to Redis", committed.Count);
        }
    }

    private static ClaimResponse Response(PendingClaim c) => ClaimResponse.Create(c.Code, c.CampaignId, c.UserId, c.ClaimedAt, c.ExpiresAt, c.HoldUntil);

    private sealed class ExistingRow
    {
        public string CampaignId { get; init; } = "";
        public string UserId { get; init; } = "";
        public string CouponCode { get; init; } = "";
        public DateTime ClaimedAt { get; init; }
        public DateTime? ExpiresAt { get; init; }
        public DateTime? HoldUntil { get; init; }

        public ClaimResponse ToResponse() => ClaimResponse.Create(CouponCode, CampaignId, UserId, ClaimedAt, ExpiresAt, HoldUntil);
    }
}
