using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Redis;
using FlashSale.WaitingRoom.Campaigns;
using Microsoft.Extensions.Options;

namespace FlashSale.WaitingRoom.Admission;

/// <summary>
/// Advances the cursor of every live campaign once per tick. Every edge instance runs one; the script integrates
/// elapsed time, so two instances ticking the same campaign admit exactly as many as one would. A campaign whose tick
/// fails is settled by its next one; the others' ticks are not held up by it.
/// </summary>
public sealed class AdmissionTicker(CampaignCache cache, AdmissionCursor cursor, TimeProvider time, IOptions<WaitingRoomOptions> options, ILogger<AdmissionTicker> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromMilliseconds(options.Value.TickMilliseconds);
        var lead = AdmissionCursor.LeadFor(period);
        using var timer = new PeriodicTimer(period, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = time.GetUtcNow();
                // All at once, pipelined on one connection: one after another, a tick took a round trip per live
                // campaign, and with dozens live it ran late enough to show as admission lag.
                var live = (await cache.ListAsync()).Where(c => c.StateAt(now) == CampaignState.Live).Select(c => cursor.AdvanceAsync(c.Id, lead));
                await Task.WhenAll(live);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Admission tick failed; the next tick settles the elapsed time");
            }
        }
    }
}
