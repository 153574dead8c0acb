using System.Buffers;
using System.IO.Pipelines;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Tokens;
using FlashSale.WaitingRoom.Queue;
using Microsoft.AspNetCore.Http.Features;

namespace FlashSale.WaitingRoom.LiveUpdates;

/// <summary>
/// One shopper's stream. Broadcast frames come from the campaign's shared snapshots; the only work of its own is
/// the admission check, made when the cursor passes the rank it learned (and now and then, as a rank can improve),
/// so a waiting shopper costs nothing per tick beyond a reference comparison and, when the cursor moved, one write.
/// </summary>
internal sealed class EventStream(CampaignFeed feed, Session session, QueueService queue, LiveUpdatesOptions options, TimeProvider time, ILogger log)
{
    // A shopper who opened the stream without joining may join any moment; check sooner than a rank refresh.
    private static readonly TimeSpan NotInQueueRecheck = TimeSpan.FromSeconds(5);

    private long? rank;
    private long servedAtLastCheck = -1;
    private DateTimeOffset nextCheck;
    private bool settled;

    public async Task RunAsync(HttpContext http, CancellationToken ct)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        // nginx and similar proxies buffer responses unless told not to; a buffered event stream is a silent one.
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var writer = response.BodyWriter;

        var pulse = feed.Current.Latest();
        var sent = pulse.Snapshot;
        writer.Write(SseFrames.Retry(options.RetryMilliseconds + Random.Shared.Next(options.RetryMilliseconds + 1)));
        writer.Write(sent.StateFrameAt(time.GetUtcNow()));
        writer.Write(sent.CursorFrame);
        writer.Write(sent.InventoryFrame);
        if (sent.SoldOutFrame is { } soldOut)
        {
            writer.Write(soldOut);
        }
        nextCheck = time.GetUtcNow();
        await AdmitIfDueAsync(writer, sent);
        if ((await writer.FlushAsync(ct)).IsCompleted)
        {
            return;
        }

        while (!ct.IsCancellationRequested)
        {
            pulse = (await pulse.Next.WaitAsync(ct)).Latest();
            var now = pulse.Snapshot;
            var wrote = false;
            if (!ReferenceEquals(now.StateFrame, sent.StateFrame))
            {
                wrote = Write(writer, now.StateFrame);
                if (now.State == CampaignState.Live && sent.State == CampaignState.Scheduled)
                {
                    // Everyone learns at the start that ranks are drawn; spread their first look over a moment.
                    nextCheck = time.GetUtcNow().AddMilliseconds(Random.Shared.Next(options.RankSpreadMilliseconds + 1));
                }
            }
            if (now.SoldOutFrame is { } frame && sent.SoldOutFrame is null)
            {
                wrote = Write(writer, frame);
            }
            if (!ReferenceEquals(now.CursorFrame, sent.CursorFrame))
            {
                wrote = Write(writer, now.CursorFrame);
            }
            if (!ReferenceEquals(now.InventoryFrame, sent.InventoryFrame))
            {
                wrote = Write(writer, now.InventoryFrame);
            }
            sent = now;
            if (pulse.Heartbeat)
            {
                wrote = Write(writer, SseFrames.Ping);
            }
            // The broadcast goes out before this listener's own admission check: that check is a Redis round trip,
            // and thousands of them due in the same tick must not hold back everyone's cursor.
            if (wrote && (await writer.FlushAsync(ct)).IsCompleted)
            {
                return;
            }
            if (await AdmitIfDueAsync(writer, now) && (await writer.FlushAsync(ct)).IsCompleted)
            {
                return;
            }
        }
    }

    private async ValueTask<bool> AdmitIfDueAsync(PipeWriter writer, CampaignSnapshot s)
    {
        // Sold out is not final: a released coupon or a lapsed hold reopens admission, and this listener's turn may come.
        if (settled || s.State != CampaignState.Live)
        {
            settled |= s.State is CampaignState.Ended or CampaignState.Cancelled;
            return false;
        }
        var now = time.GetUtcNow();
        var passed = rank is { } r && r <= s.Served && s.Served > servedAtLastCheck;
        if (!passed && now < nextCheck)
        {
            return false;
        }
        servedAtLastCheck = s.Served;
        QueueStatusResponse status;
        try
        {
            status = await queue.StatusAsync(s.Campaign, session.UserId);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            LiveUpdatesLog.AdmissionCheckFailed(log, s.Campaign.Id, e);
            nextCheck = now + TimeSpan.FromSeconds(options.RankRefreshSeconds);
            return false;
        }
        switch (status.Status)
        {
            case "admitted" when status.AdmissionToken is { } token:
                settled = true;
                return Write(writer, SseFrames.Admitted(new AdmittedEvent(status.Rank, token, status.TokenExpiresAt), s.Version));
            case "waiting":
                rank = status.Rank;
                // Jittered, so refreshes that began together do not stay together.
                nextCheck = now + TimeSpan.FromSeconds(options.RankRefreshSeconds * (0.75 + Random.Shared.NextDouble() / 2));
                return false;
            case "ended":
                settled = true;
                return false;
            case "soldout":
                nextCheck = now + TimeSpan.FromSeconds(options.RankRefreshSeconds);
                return false;
            default:
                rank = null;
                nextCheck = now + TimeSpan.FromSeconds(Math.Min(options.RankRefreshSeconds, NotInQueueRecheck.TotalSeconds));
                return false;
        }
    }

    private static bool Write(PipeWriter writer, byte[] frame)
    {
        writer.Write(frame);
        return true;
    }
}
