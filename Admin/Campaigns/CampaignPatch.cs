using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlashSale.Shared.Campaigns;
using FlashSale.Shared.Data;

namespace FlashSale.Admin.Campaigns;

/// <summary>
/// A PATCH body: a JSON merge patch (RFC 7396) over the campaign's create body. An absent field keeps its value, a
/// nested object merges field by field, and null takes the setting back out, which is the default where the create
/// body has one, no limit for an optional one, and a validation error for a required one. Each field is read on its
/// own, so a form learns of every malformed field at once, not of the first the serializer tripped on.
/// </summary>
public sealed class CampaignPatch
{
    private const string LiveRefusal = "This setting can only change before the start; a live campaign takes admission settings only.";

    private static readonly FrozenDictionary<Type, FrozenDictionary<string, (string Name, Type Type)>> Schemas =
        new[] { typeof(CreateCampaignRequest), typeof(CouponRequest), typeof(AdmissionRequest) }.ToFrozenDictionary(t => t, SchemaOf);

    private readonly JsonObject body;
    private readonly List<string> fields;
    private readonly Dictionary<string, string[]> errors;

    private CampaignPatch(JsonObject body, List<string> fields, Dictionary<string, string[]> errors) =>
        (this.body, this.fields, this.errors) = (body, fields, errors);

    public static CampaignPatch Read(JsonObject body)
    {
        var fields = new List<string>();
        var errors = new Dictionary<string, string[]>();
        var normalized = Read(body, typeof(CreateCampaignRequest), "", fields, (field, message) => errors[field] = [message]);
        return new CampaignPatch(normalized, fields, errors);
    }

    /// <summary>
    /// The campaign with the patch applied, or the errors by field. Once live, a non-admission field is a 400
    /// <c>/validation</c> on that field rather than a 409 <c>/not-live</c>: the campaign is live, and what the caller
    /// must change is the field, which a form can show in place. Ended and cancelled campaigns are refused before this.
    /// </summary>
    public (Campaign? Campaign, Dictionary<string, string[]> Errors) ApplyTo(Campaign current, DateTimeOffset now)
    {
        var found = new Dictionary<string, string[]>(errors);
        void Fail(string field, string message) => found[field] = [.. found.GetValueOrDefault(field, []), message];

        var live = current.StateAt(now) != CampaignState.Scheduled;
        if (live)
        {
            foreach (var field in fields.Where(f => f.Split('.')[0] != "admission"))
            {
                Fail(field, LiveRefusal);
            }
        }
        if (found.Count > 0)
        {
            return (null, found);
        }

        var merged = JsonSerializer.SerializeToNode(CreateCampaignRequest.From(current), JsonSerializerOptions.Web)!.AsObject();
        Merge(merged, body);
        var request = merged.Deserialize<CreateCampaignRequest>(JsonSerializerOptions.Web)!;
        // A pause is live tuning (PUT …/admission), not a setting of the create body: a patch keeps it as it is.
        if (live)
        {
            var admission = CampaignValidation.ValidateAdmission(request.Admission, Fail);
            return (admission is null ? null : current with { Admission = admission with { Paused = current.Admission.Paused } }, found);
        }
        var (campaign, invalid) = CampaignValidation.Validate(request, now);
        return (campaign is null ? null : campaign with
        {
            Id = current.Id,
            CreatedAt = current.CreatedAt,
            // Answered before it is stored: at PostgreSQL's precision, so the answer equals every later read.
            StartsAt = campaign.StartsAt.ToMicroseconds(),
            EndsAt = campaign.EndsAt.ToMicroseconds(),
            Admission = campaign.Admission with { Paused = current.Admission.Paused },
        }, invalid);
    }

    /// <summary>What changed, in the create body's shape and names, for the audit log.</summary>
    public static object Changes(Campaign before, Campaign after)
    {
        var (was, now) = Diff(
            JsonSerializer.SerializeToNode(CreateCampaignRequest.From(before), JsonSerializerOptions.Web)!.AsObject(),
            JsonSerializer.SerializeToNode(CreateCampaignRequest.From(after), JsonSerializerOptions.Web)!.AsObject());
        return new { before = was, after = now };
    }

    private static JsonObject Read(JsonObject given, Type type, string prefix, List<string> fields, Action<string, string> fail)
    {
        var schema = Schemas[type];
        var normalized = new JsonObject();
        foreach (var (key, node) in given)
        {
            if (!schema.TryGetValue(key, out var setting))
            {
                fail(prefix + key, "There is no such campaign setting.");
                continue;
            }
            var path = prefix + setting.Name;
            if (node is JsonObject section && IsSection(setting.Type))
            {
                normalized[setting.Name] = Read(section, setting.Type, path + ".", fields, fail);
                continue;
            }
            fields.Add(path);
            if (node is not null && !Fits(node, setting.Type))
            {
                fail(path, Expected(setting.Type));
                continue;
            }
            normalized[setting.Name] = node?.DeepClone();
        }
        return normalized;
    }

    private static bool Fits(JsonNode node, Type type)
    {
        try
        {
            return IsSection(type) ? node is JsonObject : node.Deserialize(type, JsonSerializerOptions.Web) is not null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private static string Expected(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) => "Expected a whole number.",
        var t when t == typeof(decimal) => "Expected a number.",
        var t when t == typeof(bool) => "Expected true or false.",
        var t when t == typeof(DateTimeOffset) => "Expected an ISO 8601 date and time, such as 2030-01-31T12:00:00Z.",
        var t when t == typeof(string) => "Expected a string.",
        _ => "Expected an object.",
    };

    private static bool IsSection(Type type) => type != typeof(CreateCampaignRequest) && Schemas.ContainsKey(type);

    /// <summary>The request records' properties by their JSON names, matched as loosely as the create endpoint's binding does.</summary>
    private static FrozenDictionary<string, (string Name, Type Type)> SchemaOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Name: JsonNamingPolicy.CamelCase.ConvertName(p.Name), Type: p.PropertyType))
            .ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is JsonObject inner && target[name] is JsonObject existing)
            {
                Merge(existing, inner);
            }
            else
            {
                target[name] = value?.DeepClone();
            }
        }
    }

    private static (JsonObject Before, JsonObject After) Diff(JsonObject a, JsonObject b)
    {
        var before = new JsonObject();
        var after = new JsonObject();
        foreach (var name in a.Select(p => p.Key).Union(b.Select(p => p.Key)))
        {
            if (a[name] is JsonObject x && b[name] is JsonObject y)
            {
                var (was, now) = Diff(x, y);
                if (was.Count + now.Count > 0)
                {
                    (before[name], after[name]) = (was, now);
                }
            }
            else if (!JsonNode.DeepEquals(a[name], b[name]))
            {
                (before[name], after[name]) = (a[name]?.DeepClone(), b[name]?.DeepClone());
            }
        }
        return (before, after);
    }
}
