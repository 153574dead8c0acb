using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace FlashSale.WaitingRoom.LiveUpdates;

/// <summary><c>state</c>: the phase, and the server's clock so the page's countdown does not trust the device's.</summary>
public sealed record StateEvent(string CampaignId, string Name, string State, DateTimeOffset StartsAt, DateTimeOffset EndsAt, DateTimeOffset ServerTime, int Stock);

/// <summary><c>cursor</c>: how many have been admitted; with its own rank a client derives its place and wait.</summary>
public sealed record CursorEvent(long Served, double Rate, bool Paused, long QueueLength);

/// <summary><c>inventory</c>: remaining units, exact below 100 and bucketed above.</summary>
public sealed record InventoryEvent(int Remaining, bool Exact, int Stock);

/// <summary><c>admitted</c>: sent only to the shopper whose turn it is.</summary>
public sealed record AdmittedEvent(long? Rank, string AdmissionToken, DateTimeOffset? TokenExpiresAt);

/// <summary><c>soldout</c>: no unit left; waiting is over.</summary>
public sealed record SoldOutEvent(string CampaignId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StateEvent))]
[JsonSerializable(typeof(CursorEvent))]
[JsonSerializable(typeof(InventoryEvent))]
[JsonSerializable(typeof(AdmittedEvent))]
[JsonSerializable(typeof(SoldOutEvent))]
internal sealed partial class LiveEventsJson : JsonSerializerContext;

/// <summary>
/// Events as the bytes that go on the wire. A broadcast frame is encoded once per change and shared by every
/// listener of the edge, so fan-out costs a write per listener and no serialization.
/// </summary>
internal static class SseFrames
{
    public static readonly byte[] Ping = ": ping\n\n"u8.ToArray();

    public static byte[] Retry(int milliseconds) => Encoding.UTF8.GetBytes($"retry: {milliseconds.ToString(CultureInfo.InvariantCulture)}\n\n");

    public static byte[] State(StateEvent e, long id) => Encode("state", id, e, LiveEventsJson.Default.StateEvent);

    public static byte[] Cursor(CursorEvent e, long id) => Encode("cursor", id, e, LiveEventsJson.Default.CursorEvent);

    public static byte[] Inventory(InventoryEvent e, long id) => Encode("inventory", id, e, LiveEventsJson.Default.InventoryEvent);

    public static byte[] Admitted(AdmittedEvent e, long id) => Encode("admitted", id, e, LiveEventsJson.Default.AdmittedEvent);

    public static byte[] SoldOut(SoldOutEvent e, long id) => Encode("soldout", id, e, LiveEventsJson.Default.SoldOutEvent);

    // Compact JSON has no line breaks, so each event is one data line.
    private static byte[] Encode<T>(string type, long id, T payload, JsonTypeInfo<T> info)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, "event: " + type + "\nid: " + id.ToString(CultureInfo.InvariantCulture) + "\ndata: ");
        using (var json = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(json, payload, info);
        }
        Write(buffer, "\n\n");
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(ArrayBufferWriter<byte> buffer, string text) =>
        buffer.Advance(Encoding.UTF8.GetBytes(text, buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length))));
}
