using System.Text.Json;
using System.Text.Json.Serialization;

namespace FlashSale.WaitingRoom.Queue;

/// <summary>The queue's answers, serialized without reflection (see <see cref="Shared.Hosting.JsonAnswer{T}"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(QueueStatusResponse))]
internal sealed partial class QueueJson : JsonSerializerContext;
