using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Redis;
using StackExchange.Redis;

namespace FlashSale.WaitingRoom.Campaigns;

/// <summary>What the edge knows of stock: ClaimApi counts committed claims into Redis and flags sold out.</summary>
public sealed class Inventory(IConnectionMultiplexer redis)
{
    public async Task<(int Remaining, bool Closed)> ReadAsync(Campaign campaign)
    {
        var db = redis.GetDatabase();
        var claimed = db.StringGetAsync(RedisKeys.Claimed(campaign.Id));
        var closed = db.HashGetAsync(RedisKeys.Admission(campaign.Id), "closed");
        await Task.WhenAll(claimed, closed);
        var remaining = Math.Max(0, campaign.Stock - (int)(long)(claimed.Result.IsNull ? 0 : claimed.Result));
        return (remaining, closed.Result == "1");
    }

    /// <summary>Exact below 100; above, rounded down to two significant digits so the page does not flicker with every claim.</summary>
    public static int Bucket(int remaining)
    {
        if (remaining < 100)
        {
            return remaining;
        }
        var step = (int)Math.Pow(10, (int)Math.Floor(Math.Log10(remaining)) - 1);
        return remaining / step * step;
    }
}
