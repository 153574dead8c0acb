using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Claims;

/// <summary>The group-commit figures an operator tunes ClaimApi:Writers by: every written claim is counted in a batch.</summary>
[Collection(SystemCollection.Name)]
public sealed partial class ClaimWriterMetricsTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task BatchSize_CountsEveryClaimWritten()
    {
        const int claims = 30;
        var campaign = await sys.CreateCampaignAsync(stock: claims);
        sys.Clock.Advance(TimeSpan.FromSeconds(61));
        var before = await SumAsync("flashsale_claims_batch_size_sum");
        var commitsBefore = await SumAsync("flashsale_claims_commit_duration_milliseconds_count");

        using var client = sys.NewClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, claims).Select(i => sys.ClaimAsync(campaign, Mint.Token(campaign, $"m{i}", sys.Clock), client)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        // The Prometheus exporter may answer a scrape from its short cache, so the new figures can take a moment.
        var (after, commitsAfter) = await Poll.UntilAsync(
            async () => (await SumAsync("flashsale_claims_batch_size_sum"), await SumAsync("flashsale_claims_commit_duration_milliseconds_count")),
            sums => sums.Item1 - before >= claims, TimeSpan.FromSeconds(3));
        Assert.Equal(claims, after - before);
        // Grouped or not, there is a commit per batch and no batch without a claim.
        Assert.InRange(commitsAfter - commitsBefore, 1, claims);
    }

    /// <summary>
    /// Read from one instance: the three run in this test process, and OpenTelemetry's listener hears every meter of the
    /// process by name, so each instance's /metrics already carries all three's batches.
    /// </summary>
    private async Task<double> SumAsync(string series)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(sys.ClaimUrls[0], "/metrics"));
        return Sample().Matches(text).Where(m => m.Groups["name"].Value == series)
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{[^}]*\})? (?<value>[0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
