using FlashSale.Shared.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.ClaimApi.Inventory;

/// <summary>
/// Once a beat: proves this instance's leases alive, gives idle units back and reclaims the leases of dead
/// instances. On a clean stop it gives every free unit back.
/// </summary>
public sealed class LeaseKeeper(
    StockRegistry registry, LeaseStore store, IConnectionMultiplexer redis, IOptions<ClaimApiOptions> options, ILogger<LeaseKeeper> log)
    : BackgroundService
{
    // A grant commits in PostgreSQL and reaches memory a moment later; one still missing from memory after this long
    // never will (its answer was lost on the way), and only this instance's heartbeat was keeping it open.
    private static readonly TimeSpan StrandedAfter = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim returning = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.EventsChannel), (channel, message) =>
        {
            if (CampaignEvents.TryParse(message, out var kind, out var campaignId) && kind == CampaignEvents.Starved
                && registry.Find(campaignId) is { } stock)
            {
                _ = ReturnAsync(stock, all: true);
            }
        });
        // Real time, not the campaign clock: leases expire by PostgreSQL's clock, which no test can move.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.HeartbeatMilliseconds));
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
        var since = System.Diagnostics.Stopwatch.GetTimestamp();
        var (open, settled) = await store.HeartbeatAsync(registry.InstanceId, StrandedAfter);
        foreach (var stock in registry.All)
        {
            stock.KeepOnly(open, since);
            await ReturnAsync(stock, all: false);
        }
        await ReturnStrandedAsync(settled);
        var reclaimed = await store.ReclaimExpiredAsync(options.Value.LeaseExpirySeconds);
        if (reclaimed > 0)
        {
            log.LogWarning("Reclaimed {Units} units from expired leases", reclaimed);
        }
    }

    /// <summary>
    /// Closes open leases of this instance that no stock in memory holds: their grant committed but its answer never
    /// arrived. Closing gives back granted − used − returned; a lease another return closed meanwhile is left as it is.
    /// </summary>
    private async Task ReturnStrandedAsync(HashSet<long> settled)
    {
        await returning.WaitAsync();
        try
        {
            foreach (var lease in settled.Where(id => !registry.All.Any(stock => stock.Holds(id))))
            {
                log.LogWarning("Lease {Lease} is open in PostgreSQL but unknown to this instance; closing it and returning its units", lease);
                await store.ReturnAsync(lease, 0, close: true);
            }
        }
        finally
        {
            returning.Release();
        }
    }

    private async Task ReturnAsync(CampaignStock stock, bool all)
    {
        // One return at a time: two returns of one lease running out of order could close it before the other
        // gave its units back, and those units would be lost to the pool.
        await returning.WaitAsync();
        try
        {
            await ReturnLockedAsync(stock, all);
        }
        finally
        {
            returning.Release();
        }
    }

    private async Task ReturnLockedAsync(CampaignStock stock, bool all)
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
