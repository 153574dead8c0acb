using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FlashSale.LoadTests.Http;

/// <summary>Reduces a problem+json body to the last segment of its <c>type</c> ("sold-out"), shared so a storm of 410s allocates one string.</summary>
public static class ProblemTypes
{
    private static readonly ConcurrentDictionary<string, string> Known = new();
    private static readonly byte[] TypeProperty = "type"u8.ToArray();

    public static string SlugOf(byte[] body, int status)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isType = reader.ValueTextEquals(TypeProperty);
                    if (!reader.Read())
                    {
                        break;
                    }
                    if (isType && reader.TokenType == JsonTokenType.String)
                    {
                        var span = reader.ValueSpan;
                        var slash = span.LastIndexOf((byte)'/');
                        return Intern(Encoding.UTF8.GetString(slash >= 0 ? span[(slash + 1)..] : span));
                    }
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
        }
        return Intern("status-" + status.ToString(CultureInfo.InvariantCulture));
    }

    private static string Intern(string slug) => Known.GetOrAdd(slug, slug);
}
