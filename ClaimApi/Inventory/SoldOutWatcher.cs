using Microsoft.Extensions.Options;

namespace FlashSale.ClaimApi.Inventory;

/// <summary>
/// Announces sold out as soon as nothing is left anywhere: the pool is empty and no lease of any instance holds a
/// unit. Checked often, but only for campaigns whose last grant found the pool empty, so it costs nothing before.
/// </summary>
public sealed class SoldOutWatcher(StockRegistry registry, LeaseStore store, EdgeSignals signals, IOptions<ClaimApiOptions> options,
    ILogger<SoldOutWatcher> log) : BackgroundService
{
    private readonly HashSet<string> announced = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.SoldOutCheckMilliseconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var stock in registry.All)
            {
                try
                {
                    await CheckAsync(stock);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning(e, "Could not check whether {Campaign} is sold out", stock.CampaignId);
                }
            }
        }
    }

    private async Task CheckAsync(CampaignStock stock)
    {
        if (!stock.PoolEmpty)
        {
            // Units came back (a release, a lapsed hold, a dead lease): a later sell-out is announced again.
            announced.Remove(stock.CampaignId);
            return;
        }
        if (stock.Free == 0 && !announced.Contains(stock.CampaignId) && await store.OutstandingAsync(stock.CampaignId) == 0)
        {
            await signals.SoldOutAsync(stock.CampaignId);
            announced.Add(stock.CampaignId);
        }
    }
}
