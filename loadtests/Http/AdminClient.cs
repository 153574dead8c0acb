using System.Text.Json;

namespace FlashSale.LoadTests.Http;

/// <summary>The marketer: creates the campaign a run uses and reads its metrics, through the edge like everyone else.</summary>
public sealed class AdminClient(HttpClient edge, string adminKey)
{
    public async Task<string> CreateCampaignAsync(CreateCampaign campaign, CancellationToken ct)
    {
        using var request = LoadHttp.Request(HttpMethod.Post, "/api/admin/campaigns", jsonBody: LoadHttp.Body(campaign, LoadJson.Default.CreateCampaign));
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await edge.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Creating the campaign answered {(int)response.StatusCode}: {body}");
        }
        return JsonSerializer.Deserialize(body, LoadJson.Default.CampaignCreated)?.Id
            ?? throw new InvalidOperationException("The campaign was created but its id is missing: " + body);
    }

    public async Task<CampaignMetrics?> MetricsAsync(string campaignId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/admin/campaigns/{campaignId}/metrics");
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await edge.SendAsync(request, ct);
        return response.IsSuccessStatusCode
            ? JsonSerializer.Deserialize(await response.Content.ReadAsByteArrayAsync(ct), LoadJson.Default.CampaignMetrics)
            : null;
    }
}
