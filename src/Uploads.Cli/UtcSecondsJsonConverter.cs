using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uploads.Cli;

/// <summary>
/// Writes instants as the API writes them (<c>2026-11-25T19:00:00Z</c>: UTC to the second, the pattern of
/// src/Uploads.Core/Contracts/UtcSeconds.cs), not as .NET's default <c>+00:00</c>, so that <c>url</c> and <c>status</c>
/// print <c>expiresAt</c> and <c>checkedAt</c> exactly as the API answered them.
/// </summary>
internal sealed class UtcSecondsJsonConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy-MM-ddTHH:mm:ssZ";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
    }
}
