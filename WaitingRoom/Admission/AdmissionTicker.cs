using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Redis;
using FlashSale.WaitingRoom.Campaigns;
using Microsoft.Extensions.Options;

namespace FlashSale.WaitingRoom.Admission;

/// <summary>
/// Advances the cursor of every live campaign once per tick. Every edge instance runs one; the script integrates
/// elapsed time, so two instances ticking the same campaign admit exactly as many as one would.
/// </summary>
public sealed class AdmissionTicker(CampaignCache cache, AdmissionCursor cursor, TimeProvider time, IOptions<WaitingRoomOptions> options, ILogger<AdmissionTicker> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.TickMilliseconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = time.GetUtcNow();
                foreach (var campaign in await cache.ListAsync())
                {
                    if (campaign.StateAt(now) == CampaignState.Live)
                    {
                        await cursor.AdvanceAsync(campaign.Id);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Admission tick failed; the next tick settles the elapsed time");
            }
        }
    }
}
