using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Redis;
using StackExchange.Redis;

namespace FlashSale.WaitingRoom.LiveUpdates;

/// <summary>
/// The one reader of a campaign on this edge: once per tick, or at once when a service announces a change on
/// <c>fs:events</c>, it reads the campaign from Redis in one pipelined round trip and publishes a new
/// <see cref="Pulse"/> when anything a client sees has changed (or a heartbeat is due). Its cost is per campaign,
/// whatever the number of listeners.
/// </summary>
public sealed class CampaignFeed : IAsyncDisposable
{
    private static readonly RedisValue[] AdmissionFields = ["served", "rate", "paused", "closed"];

    private readonly IConnectionMultiplexer redis;
    private readonly TimeProvider time;
    private readonly TimeSpan tick;
    private readonly TimeSpan heartbeat;
    private readonly TimeSpan claimedRefresh;
    private readonly ILogger log;
    private readonly Action onRead;
    // Wake-ups coalesce: a burst of announcements during one read costs one more read, not one each.
    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource stop = new();
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task loop;
    private Campaign campaign;
    private string? campaignJson;
    private Pulse? current;
    private long version;
    private long reads;
    private int urgent;
    private long lastReadAt;
    private DateTimeOffset lastHeartbeat;

    public CampaignFeed(Campaign campaign, IConnectionMultiplexer redis, TimeProvider time, LiveUpdatesOptions options, ILogger log, Action? onRead = null)
    {
        this.campaign = campaign;
        this.redis = redis;
        this.time = time;
        this.log = log;
        this.onRead = onRead ?? (() => { });
        CampaignId = campaign.Id;
        tick = TimeSpan.FromMilliseconds(options.TickMilliseconds);
        heartbeat = TimeSpan.FromSeconds(options.HeartbeatSeconds);
        claimedRefresh = TimeSpan.FromMilliseconds(options.ClaimedRefreshMilliseconds);
        loop = Task.Run(RunAsync);
    }

    public string CampaignId { get; }

    /// <summary>Completes once the first read has produced a snapshot.</summary>
    public Task Ready => ready.Task;

    /// <summary>The newest link; valid once <see cref="Ready"/> has completed.</summary>
    public Pulse Current => Volatile.Read(ref current) ?? throw new InvalidOperationException("The feed has not read its campaign yet.");

    /// <summary>Redis reads made so far: one per tick or announcement, never one per listener.</summary>
    public long Reads => Interlocked.Read(ref reads);

    /// <summary>Listeners holding this feed; guarded by <see cref="LiveFeeds"/>' lock.</summary>
    internal int Listeners { get; set; }

    /// <summary>
    /// Read again: at once when <paramref name="urgent"/> (a tick, a change, sold out); for a claim, only if the last
    /// read is older than <see cref="LiveUpdatesOptions.ClaimedRefreshMilliseconds"/>, since a claim storm announces
    /// every batch and the next tick shows the count anyway.
    /// </summary>
    public void Wake(bool urgent = true)
    {
        if (urgent)
        {
            Volatile.Write(ref this.urgent, 1);
        }
        wake.Writer.TryWrite(true);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        wake.Writer.TryComplete();
        await loop;
        stop.Dispose();
    }

    private async Task RunAsync()
    {
        var ticker = TickAsync();
        Wake();
        try
        {
            await foreach (var _ in wake.Reader.ReadAllAsync(stop.Token))
            {
                if (Interlocked.Exchange(ref urgent, 0) == 1 || current is null || time.GetElapsedTime(lastReadAt) >= claimedRefresh)
                {
                    lastReadAt = time.GetTimestamp();
                    await RefreshAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        await ticker;
        ready.TrySetCanceled();
        current?.End();
    }

    private async Task TickAsync()
    {
        using var timer = new PeriodicTimer(tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                Wake();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RefreshAsync()
    {
        CampaignReading reading;
        // Whatever goes wrong, the loop must live on: its listeners would otherwise wait on a feed that never speaks.
        try
        {
            reading = await ReadAsync();
        }
        catch (Exception e)
        {
            LiveUpdatesLog.ReadFailed(log, CampaignId, e);
            return;
        }
        var now = time.GetUtcNow();
        var previous = current?.Snapshot;
        var candidateVersion = Math.Max(version + 1, now.ToUnixTimeMilliseconds());
        var snapshot = CampaignSnapshot.Next(previous, reading, now, candidateVersion);
        if (!ReferenceEquals(snapshot, previous))
        {
            version = candidateVersion;
        }
        if (current is null)
        {
            lastHeartbeat = now;
            Volatile.Write(ref current, new Pulse(snapshot, heartbeat: false));
            ready.TrySetResult();
            return;
        }
        var beat = now - lastHeartbeat >= heartbeat;
        if (beat)
        {
            lastHeartbeat = now;
        }
        if (beat || !ReferenceEquals(snapshot, previous))
        {
            Volatile.Write(ref current, current.Publish(snapshot, beat));
        }
    }

    private async Task<CampaignReading> ReadAsync()
    {
        // Four commands on one hash tag, sent together: one round trip.
        var db = redis.GetDatabase();
        var json = db.StringGetAsync(RedisKeys.Campaign(CampaignId));
        var admission = db.HashGetAsync(RedisKeys.Admission(CampaignId), AdmissionFields);
        var claimed = db.StringGetAsync(RedisKeys.Claimed(CampaignId));
        var queueLength = db.SortedSetLengthAsync(RedisKeys.Queue(CampaignId));
        await Task.WhenAll(json, admission, claimed, queueLength);
        Interlocked.Increment(ref reads);
        onRead();

        var text = (string?)json.Result;
        if (!string.IsNullOrEmpty(text) && text != campaignJson)
        {
            campaign = JsonSerializer.Deserialize<Campaign>(text, JsonSerializerOptions.Web) ?? campaign;
            campaignJson = text;
        }
        var h = admission.Result;
        return new CampaignReading(
            campaign,
            Served: Number(h[0]) ?? 0,
            Rate: Number(h[1]) ?? campaign.Admission.RatePerSecond,
            Paused: h[2].IsNull ? campaign.Admission.Paused : h[2] == "1",
            Closed: h[3] == "1",
            Claimed: claimed.Result.IsNull ? 0 : (long)claimed.Result,
            QueueLength: queueLength.Result);
    }

    private static double? Number(RedisValue value) =>
        value.IsNull ? null : double.Parse((string)value!, CultureInfo.InvariantCulture);
}
