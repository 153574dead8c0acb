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
        var id = JsonSerializer.Deserialize(body, LoadJson.Default.CampaignCreated)?.Id
            ?? throw new InvalidOperationException("The campaign was created but its id is missing: " + body);
        BenchCampaigns.Record(id);
        return id;
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

    /// <summary>Live tuning; throws unless Admin accepted it, since a bench that changes the rate must know the change took.</summary>
    public async Task UpdateAdmissionAsync(string campaignId, AdmissionUpdate update, CancellationToken ct)
    {
        using var request = LoadHttp.Request(HttpMethod.Put, $"/api/admin/campaigns/{campaignId}/admission", jsonBody: LoadHttp.Body(update, LoadJson.Default.AdmissionUpdate));
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await edge.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT admission answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    /// <summary>Cancels a bench campaign once measured, so the edges stop ticking it; a failure here is only untidy.</summary>
    public async Task<bool> CancelAsync(string campaignId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/campaigns/{campaignId}/cancel");
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await edge.SendAsync(request, ct);
        return response.IsSuccessStatusCode;
    }
}
