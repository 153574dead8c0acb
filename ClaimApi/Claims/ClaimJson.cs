using System.Text.Json;
using System.Text.Json.Serialization;

namespace FlashSale.ClaimApi.Claims;

/// <summary>The claim's answer, serialized without reflection (see <see cref="Shared.Hosting.JsonAnswer{T}"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ClaimResponse))]
internal sealed partial class ClaimJson : JsonSerializerContext;
