using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Admin;

/// <summary>Admin's sync keeps the edges' campaign index to live and upcoming campaigns, which every admission tick walks.</summary>
[Collection(SystemCollection.Name)]
public sealed class CampaignSyncTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task EndedCampaign_LeavesTheIndexAtTheNextSync_ButStillAnswersAsEnded()
    {
        var campaign = await sys.CreateCampaignAsync(stock: 5, durationSeconds: 60);
        Assert.True(await sys.Redis.GetDatabase().SetContainsAsync(RedisKeys.CampaignIndex, campaign));

        sys.Clock.Advance(TimeSpan.FromSeconds(121));
        // The sync runs every 15 s of the shared fake clock.
        var listed = await Poll.UntilAsync(async () =>
        {
            var inIndex = await sys.Redis.GetDatabase().SetContainsAsync(RedisKeys.CampaignIndex, campaign);
            if (inIndex)
            {
                sys.Clock.Advance(TimeSpan.FromSeconds(15));
            }
            return inIndex;
        }, inIndex => !inIndex);

        Assert.False(listed);
        Assert.DoesNotContain((await sys.Edge.GetFromJsonNodeAsync("/api/campaigns")).AsArray(), c => c!["id"]!.GetValue<string>() == campaign);
        Assert.Equal("ended", (await sys.Edge.GetFromJsonNodeAsync($"/api/campaigns/{campaign}"))["state"]!.GetValue<string>());
    }
}
