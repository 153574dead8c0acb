using System.Diagnostics;
using System.Text.Json;
using FlashSale.LoadTests.Http;
using FlashSale.LoadTests.Runner;

namespace FlashSale.LoadTests.Campaign;

/// <summary>
/// One move of one shopper's state machine: join, poll (and claim the moment the answer says admitted), redeem at
/// checkout. Each move makes its request, records it, and either hands the shopper back to the scheduler with a due
/// time or ends its visit. Retries after 503/429/transport failures are bounded by <see cref="CampaignOptions.MaxRetries"/>.
/// </summary>
public sealed class ShopperActions(CampaignContext c, BotActions bots, SseWaiter? sse)
{
    private static readonly Func<int, string, bool> JoinRefusals = (status, type) => (status, type) is (410, "sold-out") or (409, "not-live");
    private static readonly Func<int, string, bool> ClaimRefusals = JoinRefusals;
    private static readonly Func<int, string, bool> SecondRedeemRefusals = (status, type) => (status, type) is (409, "already-redeemed");
    private readonly ShopperBook book = c.Book;
    private int inFlight;

    public int InFlight => Volatile.Read(ref inFlight);

    public async Task RunAsync(int i, CancellationToken ct)
    {
        Interlocked.Increment(ref inFlight);
        try
        {
            switch (book.Shoppers[i].Step)
            {
                case ShopperStep.Join:
                    await JoinAsync(i, ct);
                    break;
                case ShopperStep.Poll:
                    await PollAsync(i, ct);
                    break;
                case ShopperStep.Claim when book.PendingTokens.TryRemove(i, out var token):
                    book.MarkAdmitted(i);
                    await ClaimAsync(i, token, ct);
                    break;
                case ShopperStep.Claim:
                    await PollAsync(i, ct);
                    break;
                case ShopperStep.Redeem:
                    await RedeemAsync(i, again: false, ct);
                    break;
                case ShopperStep.DoubleRedeem:
                    await RedeemAsync(i, again: true, ct);
                    break;
                case ShopperStep.Bot:
                    await bots.RunAsync(i, ct);
                    break;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // A bug in a move must not lose the shopper silently: it ends as an error and shows in the report.
            c.Metrics.Step("scenario: unhandled").RecordMicros(1, Outcome.Error(0, e.GetType().Name));
            book.Finish(i, ShopperEnd.Error);
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }

    private async Task JoinAsync(int i, CancellationToken ct)
    {
        if (book.Shoppers[i].JoinSent == 0)
        {
            book.Shoppers[i].JoinSent = book.NextEvent();
        }
        var started = Stopwatch.GetTimestamp();
        var reply = await LoadHttp.SendAsync(c.Http.For(i), LoadHttp.Request(HttpMethod.Post, c.QueuePath, c.Minter.Mint(book.UserId(i))), keepBody: true, ct);
        var answered = book.NextEvent();
        var step = c.Metrics.Step(CampaignSteps.Join);
        if (reply.Status == 202 && Parse(reply, LoadJson.Default.QueueReply) is { } queue)
        {
            step.Record(started, Outcome.Ok(202));
            if (book.Shoppers[i].JoinAnswered == 0)
            {
                book.Shoppers[i].JoinAnswered = answered;
            }
            book.Shoppers[i].Flags |= ShopperFlags.InQueue;
            book.Shoppers[i].Attempts = 0;
            book.Shoppers[i].Step = ShopperStep.Poll;
            Wait(i, queue);
            return;
        }
        step.Record(started, reply.IsSuccess ? Outcome.Error(reply.Status, "unreadable-body") : reply.ToOutcome(JoinRefusals));
        Fail(i, reply);
    }

    private async Task PollAsync(int i, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var reply = await LoadHttp.SendAsync(c.Http.For(i), LoadHttp.Request(HttpMethod.Get, c.QueuePath, c.Minter.Mint(book.UserId(i))), keepBody: true, ct);
        var step = c.Metrics.Step(CampaignSteps.Poll);
        if (reply.Status != 200 || Parse(reply, LoadJson.Default.QueueReply) is not { } queue)
        {
            step.Record(started, reply.IsSuccess ? Outcome.Error(reply.Status, "unreadable-body") : reply.ToOutcome());
            Fail(i, reply);
            return;
        }
        if (queue.Status == "not-in-queue")
        {
            step.Record(started, Outcome.Error(200, "not-in-queue"));
            book.Finish(i, ShopperEnd.Error);
            return;
        }
        step.Record(started, Outcome.Ok(200, queue.Status ?? ""));
        if (queue.Status == "admitted" && queue.AdmissionToken is { Length: > 0 } token)
        {
            book.MarkAdmitted(i);
            await ClaimAsync(i, token, ct);
            return;
        }
        Wait(i, queue);
    }

    private async Task ClaimAsync(int i, string admissionToken, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var reply = await LoadHttp.SendAsync(c.Http.For(i), LoadHttp.Request(HttpMethod.Post, c.ClaimsPath, admissionToken), keepBody: true, ct);
        var step = c.Metrics.Step(CampaignSteps.Claim);
        if (reply.Status is 201 or 200 && Parse(reply, LoadJson.Default.ClaimReply)?.CouponCode is { Length: > 0 } code)
        {
            step.Record(started, Outcome.Ok(reply.Status));
            book.RecordCoupon(i, code, reply.Status);
            book.Shoppers[i].Attempts = 0;
            if ((book.Shoppers[i].Flags & ShopperFlags.Redeemer) != 0)
            {
                // Checkout comes after the shopper has filled a cart: a second or a few later.
                book.Shoppers[i].Step = ShopperStep.Redeem;
                c.Scheduler.Schedule(i, c.Scheduler.NowMs + CampaignContext.Jitter(0.5, 3));
            }
            else
            {
                book.Finish(i, ShopperEnd.Won);
            }
            return;
        }
        step.Record(started, reply.IsSuccess ? Outcome.Error(reply.Status, "unreadable-body") : reply.ToOutcome(ClaimRefusals));
        // A claim to retry goes back through a poll: the edge hands out the same admission token again.
        book.Shoppers[i].Step = ShopperStep.Poll;
        Fail(i, reply);
    }

    private async Task RedeemAsync(int i, bool again, CancellationToken ct)
    {
        if (!book.Codes.TryGetValue(i, out var code))
        {
            book.Finish(i, ShopperEnd.Error);
            return;
        }
        var orderId = (again ? "o2-" : "o-") + book.UserId(i);
        var request = LoadHttp.Request(HttpMethod.Post, $"/api/coupons/{code}/redeem", jsonBody: LoadHttp.Body(new RedeemRequest(orderId, 100m), LoadJson.Default.RedeemRequest));
        request.Headers.TryAddWithoutValidation("X-Api-Key", c.CheckoutKey);
        var started = Stopwatch.GetTimestamp();
        var reply = await LoadHttp.SendAsync(c.Http.For(i), request, keepBody: false, ct);
        var step = c.Metrics.Step(again ? CampaignSteps.RedeemAgain : CampaignSteps.Redeem);
        if (IsRetryable(reply.Status))
        {
            step.Record(started, reply.ToOutcome());
            Retry(i, reply.RetryAfter, ShopperEnd.Won);
            return;
        }
        if (reply.Status == 200)
        {
            book.Redemptions.Enqueue(new Checks.SeenRedemption(code, orderId));
        }
        if (!again)
        {
            step.Record(started, reply.ToOutcome());
            if (reply.Status == 200 && (book.Shoppers[i].Flags & ShopperFlags.DoubleRedeemer) != 0)
            {
                book.Shoppers[i].Step = ShopperStep.DoubleRedeem;
                book.Shoppers[i].Attempts = 0;
                c.Scheduler.Schedule(i, c.Scheduler.NowMs + CampaignContext.Jitter(0.2, 1));
                return;
            }
        }
        else
        {
            // A second order with a used coupon must be refused; a 200 here is a coupon redeemed twice.
            step.Record(started, reply.Status == 200 ? Outcome.Error(200, "redeemed-twice") : reply.ToOutcome(SecondRedeemRefusals));
        }
        book.Finish(i, ShopperEnd.Won);
    }

    /// <summary>After a queue answer without a token: poll again later, listen on SSE, or end the visit.</summary>
    private void Wait(int i, QueueReply queue)
    {
        var now = c.Scheduler.NowMs;
        switch (queue.Status)
        {
            case "prequeue":
                // The page counts down to the start on its own; the first poll after it is spread so a million pages do not poll in one instant.
                if (sse?.TryListen(i) != true)
                {
                    c.Scheduler.Schedule(i, Math.Max(now, c.StartMs) + CampaignContext.Jitter(0, c.Options.FirstPollSpreadSeconds));
                }
                break;
            case "waiting":
                if (sse?.TryListen(i) != true)
                {
                    c.Scheduler.Schedule(i, now + PollDelayMs(queue.EtaSeconds));
                }
                break;
            case "admitted":
                // Admitted but the token was not in this answer (a join answers without one): fetch it now.
                if (++book.Shoppers[i].Attempts > c.Options.MaxRetries)
                {
                    book.Finish(i, ShopperEnd.Error);
                    return;
                }
                c.Scheduler.Schedule(i, now + (book.Shoppers[i].Attempts > 1 ? 500 : 0));
                break;
            case "soldout":
                book.Finish(i, ShopperEnd.SoldOut);
                break;
            case "ended":
                book.Finish(i, ShopperEnd.Ended);
                break;
            default:
                c.Metrics.Step(CampaignSteps.Poll).RecordMicros(1, Outcome.Error(200, "status-" + queue.Status));
                book.Finish(i, ShopperEnd.Error);
                break;
        }
    }

    /// <summary>Half the ETA, within the poll bounds, ±20%: a page polls rarely while far back and often near its turn.</summary>
    private int PollDelayMs(double? etaSeconds)
    {
        var o = c.Options;
        var seconds = etaSeconds is { } eta ? Math.Clamp(eta / 2, o.PollMinSeconds, o.PollMaxSeconds) : o.PollMaxSeconds;
        return (int)(seconds * 1000 * (0.8 + 0.4 * Random.Shared.NextDouble()));
    }

    private void Fail(int i, HttpReply reply)
    {
        switch (reply.Status, reply.Type)
        {
            case (410, _):
                book.Finish(i, ShopperEnd.SoldOut);
                break;
            case (409, "not-live"):
                book.Finish(i, ShopperEnd.Ended);
                break;
            case var (status, _) when IsRetryable(status):
                Retry(i, reply.RetryAfter, ShopperEnd.Error);
                break;
            default:
                book.Finish(i, ShopperEnd.Error);
                break;
        }
    }

    private void Retry(int i, TimeSpan? retryAfter, ShopperEnd givingUp)
    {
        var attempts = ++book.Shoppers[i].Attempts;
        if (attempts > c.Options.MaxRetries)
        {
            book.Finish(i, givingUp);
            return;
        }
        var wait = retryAfter?.TotalSeconds ?? 0.5 * attempts;
        c.Scheduler.Schedule(i, c.Scheduler.NowMs + CampaignContext.Jitter(wait, wait * 1.5));
    }

    private static bool IsRetryable(int status) => status is 0 or 429 or 502 or 503 or 504;

    private static T? Parse<T>(HttpReply reply, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) where T : class
    {
        try
        {
            return reply.Body is { Length: > 0 } body ? JsonSerializer.Deserialize(body, info) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
