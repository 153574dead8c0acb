using FlashSale.Shared.Campaigns;
using Microsoft.Extensions.Time.Testing;

namespace FlashSale.Tests.Campaigns;

/// <summary>The campaign caches of the edge and ClaimApi: fresh for a moment, bounded against made-up ids.</summary>
public sealed class RecentCampaignsTests
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);

    [Fact]
    public void AnAnswer_IsFreshForItsPeriod_ThenStaleButStillThere()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T12:00:00Z"));
        var cache = new RecentCampaigns(Fresh, clock);
        var campaign = Sample(clock);
        Assert.False(cache.TryGetFresh(campaign.Id, out var none));
        Assert.Null(none);

        cache.Remember(campaign.Id, campaign);
        Assert.True(cache.TryGetFresh(campaign.Id, out var read));
        Assert.Same(campaign, read);

        clock.Advance(Fresh);
        Assert.False(cache.TryGetFresh(campaign.Id, out var stale));
        Assert.Same(campaign, stale);
    }

    [Fact]
    public void MadeUpIds_AreForgottenAtTheNextSweep_WhileAFoundCampaignStaysForAMinute()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T12:00:00Z"));
        var cache = new RecentCampaigns(Fresh, clock);
        var campaign = Sample(clock);
        cache.Remember(campaign.Id, campaign);
        for (var i = 0; i < 10_000; i++)
        {
            cache.Remember(CampaignIds.New(), null);
        }
        Assert.Equal(10_001, cache.Count);

        // A miss after the sweep interval sweeps: every stale "none" goes, the campaign (and the new miss) stay.
        clock.Advance(RecentCampaigns.SweepEvery);
        var lastMiss = CampaignIds.New();
        cache.Remember(lastMiss, null);
        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryGetFresh(campaign.Id, out var stale));
        Assert.Same(campaign, stale);

        clock.Advance(RecentCampaigns.KeepFound);
        cache.Remember(CampaignIds.New(), null);
        Assert.Equal(1, cache.Count);
        Assert.False(cache.TryGetFresh(campaign.Id, out var gone));
        Assert.Null(gone);
    }

    [Fact]
    public void Forget_MakesTheNextLookupReadTheStore()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T12:00:00Z"));
        var cache = new RecentCampaigns(Fresh, clock);
        var campaign = Sample(clock);
        cache.Remember(campaign.Id, campaign);
        cache.Forget(campaign.Id);
        Assert.False(cache.TryGetFresh(campaign.Id, out var read));
        Assert.Null(read);
    }

    private static Campaign Sample(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return new Campaign(CampaignIds.New(), "cache test", now.AddMinutes(1), now.AddMinutes(6), 10, 1,
            new CouponSettings("percent", 10), new AdmissionSettings(100), null, now);
    }
}
