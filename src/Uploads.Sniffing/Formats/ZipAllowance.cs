namespace Uploads.Sniffing.Formats;

/// <summary>
/// What the check of one ZIP file (an Office package) may inflate and open, shared by every entry read from it and
/// from every package embedded in it, at any depth (docs/sniffing.md, "DOCX"): at most <see cref="InflatedLimit"/>
/// bytes inflated in all (<see cref="InflatedBytesFor"/>: a multiple of the file's size, at most
/// <see cref="MaxInflatedBytes"/>), no entry inflating more than <see cref="MaxRatio"/> times its compressed size
/// beyond <see cref="RatioFloorBytes"/>, and at most <see cref="MaxPackages"/> embedded packages opened. Every byte
/// inflated is also charged to the check's <see cref="WorkBudget"/>, as it is inflated. One per evaluation.
/// </summary>
internal sealed class ZipAllowance(WorkBudget budget, long fileLength)
{
    /// <summary>The most any file may inflate, all its parts and all its embedded packages together.</summary>
    public const long MaxInflatedBytes = 64L * 1024 * 1024;

    /// <summary>What even a tiny file may inflate (Office's own parts of a one-page document take under 1 MiB).</summary>
    public const long MinInflatedBytes = 8L * 1024 * 1024;

    /// <summary>Bytes a file may inflate per byte of its own beyond <see cref="MinInflatedBytes"/> (text-heavy Office XML inflates about 10 times).</summary>
    public const int InflatedBytesPerFileByte = 16;

    /// <summary>The most an entry may inflate per compressed byte, beyond <see cref="RatioFloorBytes"/> (Office's parts stay under 50:1).</summary>
    public const int MaxRatio = 200;

    /// <summary>Entries inflating to at most this many bytes are not held to <see cref="MaxRatio"/>.</summary>
    public const int RatioFloorBytes = 64 * 1024;

    /// <summary>
    /// The most embedded packages (documents, workbooks, presentations in <c>embeddings/</c>) opened in one file:
    /// Word keeps the data of each chart as an embedded workbook, so a report with dozens of charts is ordinary.
    /// </summary>
    public const int MaxPackages = 64;

    /// <summary>The check's work budget.</summary>
    public WorkBudget Budget => budget;

    /// <summary>What this file may inflate in all.</summary>
    public long InflatedLimit { get; } = InflatedBytesFor(fileLength);

    /// <summary>What is left of <see cref="InflatedLimit"/>.</summary>
    public long Remaining => InflatedLimit - Inflated;

    /// <summary>Bytes inflated (or reserved to be) so far.</summary>
    public long Inflated { get; private set; }

    /// <summary>Embedded packages opened so far.</summary>
    public int Packages { get; private set; }

    /// <summary>What a file of <paramref name="fileLength"/> bytes may inflate in all.</summary>
    public static long InflatedBytesFor(long fileLength) =>
        Math.Min(MaxInflatedBytes, MinInflatedBytes + (InflatedBytesPerFileByte * Math.Max(0, Math.Min(fileLength, MaxInflatedBytes))));

    /// <summary>Null when an entry of these sizes may be inflated; else why not (a reason beginning "inflates ...").</summary>
    public static string? RatioProblem(long compressed, long uncompressed) =>
        uncompressed > RatioFloorBytes && uncompressed > compressed * MaxRatio
            ? $"inflates {uncompressed / Math.Max(compressed, 1):N0} times its compressed size (more than {MaxRatio}:1: a decompression bomb)"
            : null;

    /// <summary>Takes <paramref name="bytes"/> from what is left to inflate; false (nothing taken) when they are more.</summary>
    public bool TryReserve(long bytes)
    {
        if (bytes > Remaining)
        {
            return false;
        }

        Inflated += bytes;
        return true;
    }

    /// <summary>Counts one more embedded package opened; false when <see cref="MaxPackages"/> are open already.</summary>
    public bool TryOpenPackage()
    {
        if (Packages >= MaxPackages)
        {
            return false;
        }

        Packages++;
        return true;
    }
}
