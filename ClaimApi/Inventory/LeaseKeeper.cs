using Microsoft.Extensions.Options;

namespace FlashSale.ClaimApi.Inventory;

/// <summary>
/// Once a beat: proves this instance's leases alive, gives idle units back, reclaims the leases of dead instances and
/// announces sold out once nothing is outstanding. On a clean stop it gives every free unit back.
/// </summary>
public sealed class LeaseKeeper(
    StockRegistry registry, LeaseStore store, SoldOutAnnouncer announcer, IOptions<ClaimApiOptions> options, TimeProvider time, ILogger<LeaseKeeper> log)
    : BackgroundService
{
    private readonly HashSet<string> announced = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.HeartbeatMilliseconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await BeatAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Lease heartbeat failed");
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var stock in registry.All)
        {
            await ReturnAsync(stock, all: true);
        }
    }

    public async Task BeatAsync()
    {
        var since = time.GetTimestamp();
        var open = await store.HeartbeatAsync(registry.InstanceId);
        foreach (var stock in registry.All)
        {
            stock.KeepOnly(open, since);
            await ReturnAsync(stock, all: false);
        }
        var reclaimed = await store.ReclaimExpiredAsync(options.Value.LeaseExpirySeconds);
        if (reclaimed > 0)
        {
            log.LogWarning("Reclaimed {Units} units from expired leases", reclaimed);
        }
        foreach (var stock in registry.All)
        {
            if (stock.PoolEmpty && stock.Free == 0 && !announced.Contains(stock.CampaignId) && await store.OutstandingAsync(stock.CampaignId) == 0)
            {
                await announcer.AnnounceAsync(stock.CampaignId);
                announced.Add(stock.CampaignId);
            }
        }
    }

    private async Task ReturnAsync(CampaignStock stock, bool all)
    {
        foreach (var (slot, units, close) in stock.Surrender(all))
        {
            try
            {
                await store.ReturnAsync(slot.Id, units, close);
            }
            catch (Exception e)
            {
                log.LogWarning(e, "Could not return {Units} units of lease {Lease}", units, slot.Id);
                stock.Restore(slot, units);
            }
        }
    }
}
