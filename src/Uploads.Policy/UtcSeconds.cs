using System.Globalization;

namespace Uploads.Policy;

/// <summary>
/// The one format of every instant the service shows or stores: ISO 8601 UTC to the second
/// (<c>2026-11-25T19:00:00Z</c>), as <c>expiresAt</c> and <c>checkedAt</c> in answers, the <c>checked</c> verdict tag,
/// the <c>rejectedat</c> quarantine metadata, and the SAS expiry (whose <c>se</c> has no fraction either).
/// </summary>
public static class UtcSeconds
{
    private const string Format = "yyyy-MM-ddTHH:mm:ssZ";

    /// <summary>The instant in UTC with the fraction of its second dropped.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset instant) =>
        new(instant.UtcTicks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);

    /// <summary>The instant written in the service's format.</summary>
    public static string ToText(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Reads an instant written by <see cref="ToText"/> (or any ISO 8601 form; no offset means UTC).</summary>
    public static bool TryParse(string? text, out DateTimeOffset instant) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
}
