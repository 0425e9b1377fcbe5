using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uploads.Policy;

/// <summary>Writes instants as ISO 8601 UTC to the second (<c>2026-11-25T19:00:00Z</c>), the format of <c>expiresAt</c>.</summary>
public sealed class UtcSecondsJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        UtcSeconds.TryParse(reader.GetString(), out var instant) ? instant : throw new JsonException("Expected an ISO 8601 instant.");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(UtcSeconds.ToText(value));
    }
}
