using System.Globalization;

namespace Uploads.Policy;

/// <summary>
/// Sizes as the service counts and writes them: binary units (1 MiB = 1024² bytes; the guide's "10 MB" and "5 GB"
/// are 10 MiB and 5 GiB), and one way to tell a client a size (<c>10485760 bytes (10 MiB)</c>).
/// </summary>
public static class ByteSize
{
    public const long KiB = 1024;
    public const long MiB = 1024 * KiB;
    public const long GiB = 1024 * MiB;

    /// <summary>The exact byte count, then the nearest binary unit to one decimal (<c>524288000 bytes (500 MiB)</c>).</summary>
    public static string Describe(long bytes)
    {
        var (value, unit) = Math.Abs(bytes) switch
        {
            >= GiB => (bytes / (double)GiB, "GiB"),
            >= MiB => (bytes / (double)MiB, "MiB"),
            >= KiB => (bytes / (double)KiB, "KiB"),
            _ => (0d, null),
        };
        return unit is null
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes ({value:0.#} {unit})");
    }
}
