using System.Collections.Concurrent;
using FlashSale.Shared.Campaigns;
using Microsoft.Extensions.Options;

namespace FlashSale.ClaimApi.Inventory;

/// <summary>This instance's stock of every campaign it has served.</summary>
public sealed class StockRegistry(LeaseStore store, EdgeSignals signals, IOptions<ClaimApiOptions> options)
{
    private readonly ConcurrentDictionary<string, CampaignStock> stocks = new();

    public string InstanceId => options.Value.InstanceId;

    public CampaignStock For(Campaign campaign) =>
        stocks.GetOrAdd(campaign.Id, static (id, s) => new CampaignStock(id, s.campaign.Stock, s.store, s.options.InstanceId, s.options, s.starved),
            (campaign, store, options: options.Value, starved: (Func<string, Task>)signals.StarvedAsync));

    public CampaignStock? Find(string campaignId) => stocks.GetValueOrDefault(campaignId);

    public ICollection<CampaignStock> All => stocks.Values;
}
