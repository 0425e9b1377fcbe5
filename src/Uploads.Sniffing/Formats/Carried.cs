namespace Uploads.Sniffing.Formats;

/// <summary>
/// Files inside files (docs/sniffing.md, "Files inside files"): what a payload carried by a container (a chunk, box,
/// segment, frame, attachment or the bytes after the container's end) says it is by its first bytes, whether a tail
/// makes the file a valid ZIP archive as well, and the one shape of the refusal that names what was found and where.
/// </summary>
internal static class Carried
{
    /// <summary>How far from the end a ZIP reader looks for the end-of-central-directory record (the record and the longest comment).</summary>
    public const int ZipEndSearchBytes = 22 + 65535;

    /// <summary>
    /// The most an element its format does not define (an unknown PNG, WebP or RIFF chunk, JPEG APPn segment, GIF
    /// extension) may hold: a few private metadata bytes, not a payload (docs/sniffing.md, "Files inside files: images and RIFF").
    /// </summary>
    public const int MaxUnknownBytes = 16 * 1024;

    /// <summary>How many of a carried payload's first bytes are given to <see cref="Identify"/>: enough for a PE header.</summary>
    public const int PeekBytes = 1024;

    /// <summary>Zero bytes tolerated after a format's end (alignment padding some writers add); anything else there is carried data.</summary>
    public const int PaddingTolerance = 4096;

    private static ReadOnlySpan<byte> Ole2Signature => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    /// <summary>
    /// What <paramref name="payload"/> is, named for a person ("a Windows executable"), when its first bytes are the
    /// signature of an executable, an archive, a document or a web page; null for anything else (including media data).
    /// </summary>
    public static string? Identify(ReadOnlySpan<byte> payload)
    {
        // Wider than detection (Zip.StartsArchive): hidden in another file, the spanning marker alone names a ZIP, whatever follows it.
        if (Zip.StartsArchive(payload) || payload.StartsWith(Zip.SpanningMarker))
        {
            return "a ZIP archive";
        }

        if (payload.StartsWith(Ole2Signature))
        {
            return "an Office compound file";
        }

        if (payload.StartsWith("%PDF-"u8))
        {
            return "a PDF document";
        }

        if (payload.StartsWith("#!"u8))
        {
            return "a script";
        }

        if (IsWebPage(payload))
        {
            return "a web page";
        }

        return Signatures.Foreign(payload) switch
        {
            MediaTypes.Exe => "a Windows executable",
            MediaTypes.Elf => "a Linux executable",
            MediaTypes.MachO => "a macOS executable",
            "application/gzip" or "application/x-bzip2" or "application/x-7z-compressed" or "application/x-xz" or "application/zstd" or "application/vnd.rar" => "a compressed archive",
            null => null,
            var other => $"a file of type {other}",
        };
    }

    /// <summary>
    /// The refusal for a file that carries another: <paramref name="found"/> (what, as <see cref="Identify"/> names it, or
    /// "an embedded file", "data after the end of the image") and <paramref name="where"/> (the element and its offset).
    /// </summary>
    public static string Refusal(string found, string where) =>
        $"The file carries {found} {where}. Upload the file without it (re-save or re-export it with an ordinary application).";

    /// <summary>What an oversized unknown element is, for <see cref="Refusal"/>: "40,000 bytes of data no PNG reader uses (…)".</summary>
    public static string UnknownData(string format, long length) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{length:N0} bytes of data no {format} reader uses (more than the {MaxUnknownBytes:N0} an unrecognised element may hold)");

    /// <summary>The phrase for where something was found: "in the PNG chunk 'prVt' at offset 1234".</summary>
    public static string At(string element, long offset) => $"in {element} at offset {offset}";

    /// <summary>
    /// The offset within <paramref name="tail"/> (the last bytes of the file, at most <see cref="ZipEndSearchBytes"/>) of a
    /// ZIP end-of-central-directory record that a ZIP reader would accept (its comment lies within the file), or -1. A file of any other type with one is also a ZIP archive. Readers differ on
    /// a comment that stops short of the end (Python's zipfile and unzip accept it), so a short comment counts too.
    /// </summary>
    public static int FindZipEnd(ReadOnlySpan<byte> tail, WorkBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        budget.ChargeBytes(tail.Length);
        for (var at = tail.LastIndexOf(Zip.EndRecord); at >= 0; at = tail[..at].LastIndexOf(Zip.EndRecord))
        {
            if (at + 22 > tail.Length)
            {
                continue;
            }

            var record = tail[at..];
            var entriesOnDisk = SniffContext.U16LE(record, 8);
            var entries = SniffContext.U16LE(record, 10);
            var directorySize = SniffContext.U32LE(record, 12);
            var commentLength = SniffContext.U16LE(record, 20);
            if (at + 22 + commentLength <= tail.Length && entriesOnDisk == entries && entries > 0 && directorySize >= 46u * entries)
            {
                return at;
            }
        }

        return -1;
    }

    private static bool IsWebPage(ReadOnlySpan<byte> payload)
    {
        var at = 0;
        if (payload.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            at = 3;
        }

        while (at < payload.Length && payload[at] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            at++;
        }

        if (at >= payload.Length || payload[at] != '<')
        {
            return false;
        }

        var rest = payload[(at + 1)..];
        ReadOnlySpan<string> openers = ["!doctype html", "html", "script", "iframe", "svg", "body", "head", "object", "embed"];
        foreach (var opener in openers)
        {
            if (rest.Length > opener.Length && StartsWithIgnoreCase(rest, opener) && rest[opener.Length] is (byte)' ' or (byte)'>' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'/')
            {
                return true;
            }
        }

        return false;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> bytes, string ascii)
    {
        for (var i = 0; i < ascii.Length; i++)
        {
            if (char.ToLowerInvariant((char)bytes[i]) != ascii[i])
            {
                return false;
            }
        }

        return true;
    }
}
