using System.IO.Compression;
using System.Text;
using System.Xml;

namespace Uploads.Sniffing.Formats;

/// <summary>
/// ZIP and OOXML: the End Of Central Directory record (zip64 too) is read from the tail, the central directory
/// (bounded) is searched for <c>[Content_Types].xml</c>, and that entry is read and parsed: its main-part content
/// type tells DOCX from DOCM, DOTX, XLSX, PPTX and plain ZIP. Entry order and data descriptors do not matter because
/// only the central directory's sizes and offsets are used.
/// Each entry is counted once: an archive two of whose entries share a local header, or whose entries' ranges
/// (local header and data) overlap, is refused, and so is an entry read whose local header names it otherwise than
/// the central directory does. What is inflated is bounded by <see cref="ZipAllowance"/> and charged to the work
/// budget as it is inflated; every loop over the directory and the XML read charges it too.
/// </summary>
internal static class Zip
{
    public const int MaxContentTypesBytes = 1024 * 1024;

    /// <summary>Bytes inflated per step (each step charged before it is taken).</summary>
    private const int InflateChunkBytes = 64 * 1024;

    /// <summary>
    /// <c>[Content_Types].xml</c> elements allowed per entry of the archive (a <c>Default</c> per extension, an
    /// <c>Override</c> per part), plus <see cref="ContentTypesSlack"/>: more is no package's declaration.
    /// </summary>
    private const int ContentTypesPerEntry = 2;

    private const int ContentTypesSlack = 64;

    private const string ContentTypesName = "[Content_Types].xml";
    private const string DocxMain = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
    private const string VbaProject = "application/vnd.ms-office.vbaproject";

    /// <summary>A local file header's signature (APPNOTE 4.3.7): what each entry, and so a package, starts with.</summary>
    internal static ReadOnlySpan<byte> LocalHeader => "PK\x03\x04"u8;

    /// <summary>A central directory file header's signature (APPNOTE 4.3.12).</summary>
    internal static ReadOnlySpan<byte> CentralHeader => "PK\x01\x02"u8;

    /// <summary>The end of central directory record's signature (APPNOTE 4.3.16): what an empty archive starts with.</summary>
    internal static ReadOnlySpan<byte> EndRecord => "PK\x05\x06"u8;

    /// <summary>The spanning marker (APPNOTE 8.5.3) some writers put before the first local header of a one-part archive.</summary>
    internal static ReadOnlySpan<byte> SpanningMarker => "PK\x07\x08"u8;

    private static ReadOnlySpan<byte> Zip64EndRecord => "PK\x06\x06"u8;

    private static ReadOnlySpan<byte> Zip64Locator => "PK\x06\x07"u8;

    /// <summary>
    /// True when <paramref name="bytes"/> start as a ZIP archive: a local header, an end record (an empty archive), or
    /// the spanning marker and a local header. The one test of "this file is a ZIP"; the other callers of the
    /// signatures say why theirs differs.
    /// </summary>
    internal static bool StartsArchive(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith(LocalHeader) || bytes.StartsWith(EndRecord) || (bytes.StartsWith(SpanningMarker) && bytes[SpanningMarker.Length..].StartsWith(LocalHeader));

    public static SniffOutcome Detect(SniffContext context)
    {
        if (ReadDirectory(context, out var names) is { } failed)
        {
            return failed;
        }

        if (!names.TryGetValue(ContentTypesName, out var types))
        {
            return OpenDocument(context.Head.Span) ?? SniffContext.Detected(MediaTypes.Zip);
        }

        return ReadContentTypes(context, new ZipAllowance(context.Budget, context.Total!.Value), types, names);
    }

    /// <summary>
    /// An OOXML package embedded in another (read whole into <paramref name="context"/>): its entries, its main part
    /// (the first <c>*.main+xml</c> override, null when none) and whether a VBA project content type is declared.
    /// What it inflates comes out of the file's <paramref name="allowance"/>. Null when read; else why not.
    /// </summary>
    internal static SniffOutcome? ReadPackage(SniffContext context, ZipAllowance allowance, out Dictionary<string, Central> names, out string? mainPart, out ContentTypes types)
    {
        mainPart = null;
        types = new ContentTypes();
        if (ReadDirectory(context, out names) is { } failed)
        {
            return failed;
        }

        if (!names.TryGetValue(ContentTypesName, out var declaration))
        {
            return Damaged("it is no Office document (no [Content_Types].xml)");
        }

        if (!TryReadEntry(context, allowance, declaration, MaxContentTypesBytes, MaxContentTypesBytes, out var xml, out failed))
        {
            return failed;
        }

        if (TryReadTypes(context.Budget, xml, names.Count, types) is { } problem)
        {
            return Damaged(problem);
        }

        mainPart = types.Ordered.Where(o => o.Type.EndsWith(".main+xml", StringComparison.Ordinal)).Select(o => o.Part.TrimStart('/')).FirstOrDefault();
        return null;
    }

    /// <summary>
    /// The central directory: every entry by name (case-insensitive), each with the offset its data must end by
    /// (<see cref="Central.Limit"/>). Null when read; else the range needed or a refusal (entries that share a local
    /// header or overlap included: <see cref="Layout"/>).
    /// </summary>
    private static SniffOutcome? ReadDirectory(SniffContext context, out Dictionary<string, Central> names)
    {
        var budget = context.Budget;
        names = new Dictionary<string, Central>(StringComparer.OrdinalIgnoreCase);
        if (!context.TryGetTail(ContentSniffer.ZipTailBytes, out var tailMemory, out var tailMissing))
        {
            return tailMissing;
        }

        var total = context.Total!.Value;
        var tail = tailMemory.Span;
        var tailStart = total - tail.Length;

        // The search for the end record looks at each byte of the tail at most once.
        // Its comment must end the file: narrower than Carried.FindZipEnd, which finds a ZIP appended to another type as lenient readers do.
        budget.ChargeBytes(tail.Length);
        var eocd = -1;
        for (var i = tail.Length - 22; i >= 0; i--)
        {
            if (tail[i..].StartsWith(EndRecord) && 22 + SniffContext.U16LE(tail, i + 20) == tail.Length - i)
            {
                eocd = i;
                break;
            }
        }

        if (eocd < 0)
        {
            return Damaged("its end of central directory record is missing (truncated file?)");
        }

        if (SniffContext.U16LE(tail, eocd + 4) != 0 || SniffContext.U16LE(tail, eocd + 6) != 0)
        {
            return Damaged("multi-part archives are not supported");
        }

        long entryCount = SniffContext.U16LE(tail, eocd + 10);
        long directorySize = SniffContext.U32LE(tail, eocd + 12);
        long directoryOffset = SniffContext.U32LE(tail, eocd + 16);
        var directoryLimit = tailStart + eocd;

        var locator = eocd - 20;
        if (locator >= 0 && tail[locator..].StartsWith(Zip64Locator))
        {
            var zip64Offset = (long)Math.Min(SniffContext.U64LE(tail, locator + 8), long.MaxValue / 4);
            if (zip64Offset + 56 > tailStart + locator)
            {
                return Damaged("its zip64 end of central directory locator is invalid");
            }

            if (!context.TryRead(zip64Offset, 56, out var zip64Memory, out var zip64Missing))
            {
                return zip64Missing ?? Damaged("its zip64 end of central directory record is missing");
            }

            var zip64 = zip64Memory.Span;
            if (!zip64.StartsWith(Zip64EndRecord))
            {
                return Damaged("its zip64 end of central directory record is invalid");
            }

            entryCount = (long)Math.Min(SniffContext.U64LE(zip64, 32), long.MaxValue / 4);
            directorySize = (long)Math.Min(SniffContext.U64LE(zip64, 40), long.MaxValue / 4);
            directoryOffset = (long)Math.Min(SniffContext.U64LE(zip64, 48), long.MaxValue / 4);
            directoryLimit = zip64Offset;
        }

        if (directoryOffset + directorySize > directoryLimit)
        {
            return Damaged("its central directory lies outside the file");
        }

        if (directorySize > ContentSniffer.MaxZipDirectoryBytes)
        {
            return new SniffOutcome.Detected(MediaTypes.Zip, $"The ZIP central directory is larger than {ContentSniffer.MaxZipDirectoryBytes / 1024 / 1024} MiB; such archives are not accepted.");
        }

        if (!context.TryRead(directoryOffset, (int)directorySize, out var directoryMemory, out var directoryMissing, 0))
        {
            return directoryMissing ?? Damaged("its central directory is truncated");
        }

        var directory = directoryMemory.Span;
        budget.ChargeBytes(directory.Length);
        var entries = new List<Central>();
        var position = 0;
        for (long n = 0; n < entryCount && position < directory.Length; n++)
        {
            budget.Charge(WorkCost.Node);
            if (!Central.TryParse(directory, ref position, out var entry))
            {
                return Damaged("its central directory is malformed");
            }

            // The name, as a string and as the bytes its local header must repeat.
            budget.ChargeBytes(3L * entry.RawName.Length, WorkCost.AllocatedByte);
            if (!names.TryAdd(entry.Name, entry))
            {
                return Damaged($"it holds two entries named '{Printable(entry.Name)}'");
            }

            entries.Add(entry);
        }

        return Layout(budget, entries, names, directoryOffset);
    }

    /// <summary>
    /// Every entry's range (its local header, at least <c>30 + name</c> bytes, then its compressed data) lies apart
    /// from every other's and before the central directory: two entries pointing at one local header, or whose
    /// ranges overlap, would have the same bytes inflated (and counted) again, which no archiver writes. Sets each
    /// entry's <see cref="Central.Limit"/>, where the next one begins. Null, or the refusal.
    /// </summary>
    private static SniffOutcome.Detected? Layout(WorkBudget budget, List<Central> entries, Dictionary<string, Central> names, long directoryOffset)
    {
        budget.ChargeBytes(entries.Count, WorkCost.Node);
        entries.Sort((a, b) => a.LocalHeaderOffset.CompareTo(b.LocalHeaderOffset));
        for (var i = 0; i < entries.Count; i++)
        {
            budget.Charge(WorkCost.Node);
            var entry = entries[i];
            var next = i + 1 < entries.Count ? entries[i + 1] : (Central?)null;
            var limit = next?.LocalHeaderOffset ?? directoryOffset;
            if (next is { } shared && shared.LocalHeaderOffset == entry.LocalHeaderOffset)
            {
                return Damaged($"its entries '{Printable(entry.Name)}' and '{Printable(shared.Name)}' point at the same local header (overlapping entries: one stored part would be read as many)");
            }

            if (entry.LocalHeaderOffset + 30 + entry.RawName.Length + entry.CompressedSize > limit)
            {
                return Damaged(next is { } overlapped
                    ? $"its entries '{Printable(entry.Name)}' and '{Printable(overlapped.Name)}' overlap (the data of one runs into the other: the same bytes would be read as many parts)"
                    : $"its entry '{Printable(entry.Name)}' runs into its central directory");
            }

            names[entry.Name] = entry with { Limit = limit };
        }

        return null;
    }

    private static SniffOutcome ReadContentTypes(SniffContext context, ZipAllowance allowance, Central entry, Dictionary<string, Central> names)
    {
        if (!TryReadEntry(context, allowance, entry, MaxContentTypesBytes, MaxContentTypesBytes, out var xml, out var failed))
        {
            return failed;
        }

        var types = new ContentTypes();
        if (TryReadTypes(context.Budget, xml, names.Count, types) is { } problem)
        {
            return Damaged(problem);
        }

        foreach (var (part, type) in types.Ordered)
        {
            context.Budget.Charge(WorkCost.Node);
            var detected = type switch
            {
                DocxMain => MediaTypes.Docx,
                "application/vnd.ms-word.document.macroenabled.main+xml" => MediaTypes.Docm,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml" => MediaTypes.Dotx,
                "application/vnd.ms-word.template.macroenabledtemplate.main+xml" => MediaTypes.Dotm,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
                    or "application/vnd.ms-excel.sheet.macroenabled.main+xml"
                    or "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml" => MediaTypes.Xlsx,
                "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
                    or "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml"
                    or "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml" => MediaTypes.Pptx,
                _ => null,
            };
            if (detected is null)
            {
                continue;
            }

            if (detected != MediaTypes.Docx)
            {
                return SniffContext.Detected(detected);
            }

            if (!names.ContainsKey(part.TrimStart('/')))
            {
                return new SniffOutcome.Detected(MediaTypes.Docx, $"The document's main part '{Printable(part)}' is missing from the archive.");
            }

            return ActiveContent.Office.DocxScanner.Check(context, allowance, names, part.TrimStart('/'), types);
        }

        return SniffContext.Detected(MediaTypes.Zip);
    }

    /// <summary>
    /// Reads and inflates one entry (stored or deflated): <see cref="Check"/>, <see cref="TryLocate"/> and
    /// <see cref="TryInflate"/>. False: <paramref name="failed"/> is the range needed, or a refusal.
    /// </summary>
    internal static bool TryReadEntry(SniffContext context, ZipAllowance allowance, Central entry, int maxCompressed, int maxInflated, out byte[] content, out SniffOutcome failed)
    {
        content = [];
        if (Check(entry, maxCompressed, maxInflated) is { } refused)
        {
            failed = refused;
            return false;
        }

        return TryLocate(context, entry, out var dataStart, out failed) && TryInflate(context, allowance, entry, dataStart, out content, out failed);
    }

    /// <summary>
    /// What the central directory alone says against reading an entry: encrypted, a method other than stored or
    /// deflated, larger than <paramref name="maxCompressed"/> or <paramref name="maxInflated"/>, stored with two
    /// sizes, or a compression ratio no archiver reaches on real content (<see cref="ZipAllowance.RatioProblem"/>).
    /// </summary>
    internal static SniffOutcome.Detected? Check(Central entry, int maxCompressed, int maxInflated)
    {
        var what = Printable(entry.Name);
        if ((entry.Flags & 1) != 0)
        {
            return Damaged($"its {what} is encrypted");
        }

        if (entry.Method is not 0 and not 8)
        {
            return Damaged($"its {what} uses unsupported compression method {entry.Method}");
        }

        if (entry.CompressedSize > maxCompressed || entry.UncompressedSize > maxInflated)
        {
            return Damaged($"its {what} is larger than can be checked");
        }

        if (entry.Method == 0 && entry.CompressedSize != entry.UncompressedSize)
        {
            return Damaged($"its {what} is stored uncompressed but declares two different sizes");
        }

        return ZipAllowance.RatioProblem(entry.CompressedSize, entry.UncompressedSize) is { } bomb ? Damaged($"its {what} {bomb}") : null;
    }

    /// <summary>
    /// Reads an entry's local header: it must name the entry exactly as the central directory does (byte for byte:
    /// a reader that walks the local headers must see the same archive as one that reads the directory), and its data
    /// must end before the next entry begins (<see cref="Central.Limit"/>). True: the data begins at
    /// <paramref name="dataStart"/>. False: <paramref name="failed"/> is the range needed (the header is not held yet)
    /// or a refusal.
    /// </summary>
    internal static bool TryLocate(SniffContext context, Central entry, out long dataStart, out SniffOutcome failed)
    {
        dataStart = 0;
        failed = null!;
        context.Budget.Charge(WorkCost.Node);
        var what = Printable(entry.Name);
        if (!context.TryRead(entry.LocalHeaderOffset, 30, out var localMemory, out var missing, ContentSniffer.MaxRangeBytes))
        {
            failed = missing ?? Damaged($"its {what} entry lies outside the file");
            return false;
        }

        var local = localMemory.Span;
        if (!local.StartsWith(LocalHeader))
        {
            failed = Damaged($"the local header of {what} is missing");
            return false;
        }

        var nameLength = SniffContext.U16LE(local, 26);
        var extraLength = SniffContext.U16LE(local, 28);
        var flags = SniffContext.U16LE(local, 6);
        if (!context.TryRead(entry.LocalHeaderOffset + 30, nameLength, out var localName, out missing, ContentSniffer.MaxRangeBytes))
        {
            failed = missing ?? Damaged($"its {what} entry lies outside the file");
            return false;
        }

        context.Budget.ChargeBytes(nameLength);
        if (!localName.Span.SequenceEqual(entry.RawName))
        {
            failed = Damaged($"the local header of {what} names it '{Printable(DecodeName(localName.Span, flags))}' (the central directory and the local headers describe different archives)");
            return false;
        }

        dataStart = entry.LocalHeaderOffset + 30 + nameLength + extraLength;
        if (dataStart + entry.CompressedSize > entry.Limit)
        {
            failed = Damaged($"its {what} runs into the entry after it (overlapping entries)");
            return false;
        }

        return true;
    }

    /// <summary>Null when the <paramref name="length"/> bytes at <paramref name="offset"/> are held; else the range to ask for (from the first byte missing, a megabyte ahead).</summary>
    internal static SniffOutcome.NeedBytes? Missing(SniffContext context, long offset, long length)
    {
        var need = context.Need(offset, Math.Max(length, ContentSniffer.MaxRangeBytes));
        return need.Range.Offset >= offset + length ? null : need;
    }

    /// <summary>
    /// Inflates (or copies, when stored) a located entry's data, taking its declared size out of
    /// <paramref name="allowance"/> first and charging the budget as it goes; it must inflate to exactly its declared
    /// size. False: <paramref name="failed"/> is the range needed (the data is not held yet) or a refusal.
    /// </summary>
    internal static bool TryInflate(SniffContext context, ZipAllowance allowance, Central entry, long dataStart, out byte[] content, out SniffOutcome failed)
    {
        content = [];
        failed = null!;
        var what = Printable(entry.Name);
        if (Missing(context, dataStart, entry.CompressedSize) is { } need)
        {
            failed = need;
            return false;
        }

        if (!allowance.TryReserve(entry.UncompressedSize))
        {
            failed = Damaged($"its parts inflate to more than {MiB(allowance.InflatedLimit)} in all (the most a file of its size may), {what} included");
            return false;
        }

        if (!TryHeld(context, dataStart, (int)entry.CompressedSize, out var data))
        {
            failed = Damaged($"its {what} entry is truncated");
            return false;
        }

        if (entry.Method == 0)
        {
            context.Budget.ChargeBytes(data.Length, WorkCost.AllocatedByte);
            content = data.ToArray();
            return true;
        }

        if (Inflate(context.Budget, data, (int)entry.UncompressedSize, out content) is { } problem)
        {
            failed = Damaged($"its {what} {problem}");
            return false;
        }

        return true;
    }

    /// <summary>The held bytes of a range (one slice when a single segment holds them; else a copy, charged).</summary>
    private static bool TryHeld(SniffContext context, long offset, int length, out ReadOnlyMemory<byte> bytes)
    {
        if (length <= ContentSniffer.MaxRangeBytes)
        {
            return context.TryRead(offset, length, out bytes, out _, 0);
        }

        context.Budget.ChargeBytes(length, WorkCost.AllocatedByte);
        var copy = new byte[length];
        bytes = copy;
        for (var at = 0; at < length; at += ContentSniffer.MaxRangeBytes)
        {
            if (!context.TryRead(offset + at, Math.Min(ContentSniffer.MaxRangeBytes, length - at), out var piece, out _, 0))
            {
                return false;
            }

            piece.Span.CopyTo(copy.AsSpan(at));
        }

        return true;
    }

    /// <summary>
    /// Inflates <paramref name="compressed"/> into exactly <paramref name="declared"/> bytes, charging each step of
    /// <see cref="InflateChunkBytes"/> before it is taken. Null when done; else what went wrong.
    /// </summary>
    private static string? Inflate(WorkBudget budget, ReadOnlyMemory<byte> compressed, int declared, out byte[] content)
    {
        content = new byte[declared];
        try
        {
            using var stream = new DeflateStream(new MemoryReadStream(compressed, budget), CompressionMode.Decompress);
            var length = 0;
            var paid = 0;
            while (length < declared)
            {
                var step = Math.Min(InflateChunkBytes, declared - length);
                if (step > paid)
                {
                    budget.ChargeBytes(step - paid, WorkCost.DecodedByte);
                    paid = step;
                }

                var read = stream.Read(content, length, step);
                if (read == 0)
                {
                    return "inflates to fewer bytes than its central directory entry declares (a damaged or lying archive)";
                }

                length += read;
                paid -= read;
            }

            Span<byte> more = stackalloc byte[1];
            return stream.Read(more) > 0 ? "inflates to more bytes than its central directory entry declares (a decompression bomb or a lie)" : null;
        }
        catch (InvalidDataException)
        {
            return "cannot be decompressed (its data is damaged)";
        }
        catch (IOException)
        {
            return "cannot be decompressed (its data is damaged)";
        }
    }

    internal static string MiB(long bytes) => $"{bytes / 1024.0 / 1024.0:0.#} MiB";

    /// <summary>
    /// The overrides and defaults of <c>[Content_Types].xml</c> and whether a VBA project type is declared, into
    /// <paramref name="types"/>; each element charged,
    /// at most <see cref="ContentTypesPerEntry"/> per entry of the archive (<paramref name="entries"/>) plus
    /// <see cref="ContentTypesSlack"/>. Null when read; else why not.
    /// </summary>
    private static string? TryReadTypes(WorkBudget budget, byte[] xml, int entries, ContentTypes types)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxContentTypesBytes,
            IgnoreComments = true,
            IgnoreWhitespace = true,
        };
        var maxElements = ((long)ContentTypesPerEntry * entries) + ContentTypesSlack;
        long elements = 0;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml, writable: false), settings);
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                budget.Charge(WorkCost.Node);
                if (++elements > maxElements)
                {
                    return $"its [Content_Types].xml declares more content types than its {entries} entries could use";
                }

                var type = reader.GetAttribute("ContentType")?.Trim().ToLowerInvariant();
                if (type is null)
                {
                    continue;
                }

                types.Macros |= type == VbaProject;
                if (reader.LocalName == "Override" && reader.GetAttribute("PartName") is { } part)
                {
                    types.Ordered.Add((part, type));
                    types.Overrides.TryAdd(part.TrimStart('/'), type);
                }
                else if (reader.LocalName == "Default" && reader.GetAttribute("Extension") is { } extension)
                {
                    types.Defaults.TryAdd(extension.Trim().TrimStart('.'), type);
                }
            }

            return null;
        }
        catch (XmlException)
        {
            return "its [Content_Types].xml is not well-formed";
        }
    }

    /// <summary>OpenDocument and similar: a first, stored entry named <c>mimetype</c> holding the type.</summary>
    private static SniffOutcome.Detected? OpenDocument(ReadOnlySpan<byte> head)
    {
        if (head.Length < 38 || !head.StartsWith(LocalHeader) || SniffContext.U16LE(head, 8) != 0 || !head[30..].StartsWith("mimetype"u8)
            || SniffContext.U16LE(head, 26) != 8)
        {
            return null;
        }

        var size = (int)Math.Min(SniffContext.U32LE(head, 18), 128);
        var start = 38 + SniffContext.U16LE(head, 28);
        if (start + size > head.Length || size == 0)
        {
            return null;
        }

        var value = head.Slice(start, size);
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit((char)c) || c is (byte)'/' or (byte)'.' or (byte)'-' or (byte)'+'))
            {
                return null;
            }
        }

        return SniffContext.Detected(Encoding.ASCII.GetString(value));
    }

    internal static SniffOutcome.Detected Damaged(string reason) => new(MediaTypes.Zip, $"The ZIP archive is damaged or hostile: {reason}.");

    internal static string Printable(string name)
    {
        var builder = new StringBuilder(Math.Min(name.Length, 80));
        foreach (var c in name.AsSpan(0, Math.Min(name.Length, 80)))
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return builder.ToString();
    }

    /// <summary>A name as the archive encodes it: UTF-8 when flagged (bit 11) or plain ASCII, else code page 437 read as Latin-1.</summary>
    private static string DecodeName(ReadOnlySpan<byte> bytes, ushort flags) =>
        (flags & 0x800) != 0 || !bytes.ContainsAnyExceptInRange((byte)0, (byte)0x7F) ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);

    /// <summary>
    /// What <c>[Content_Types].xml</c> declares: the overrides in order (<see cref="Ordered"/>, as written), by part
    /// name (<see cref="Overrides"/>, without the leading slash) and the defaults by extension, all without case;
    /// <see cref="Macros"/>: a VBA project type is declared.
    /// </summary>
    internal sealed class ContentTypes
    {
        public List<(string Part, string Type)> Ordered { get; } = [];

        public Dictionary<string, string> Overrides { get; } = new(StringComparer.OrdinalIgnoreCase);

        public Dictionary<string, string> Defaults { get; } = new(StringComparer.OrdinalIgnoreCase);

        public bool Macros { get; set; }

        /// <summary>The content type of <paramref name="part"/> (an entry name): its override, else its extension's default; null when neither.</summary>
        public string? TypeOf(string part)
        {
            if (Overrides.TryGetValue(part, out var type))
            {
                return type;
            }

            var slash = part.LastIndexOf('/');
            var dot = part.LastIndexOf('.');
            return dot > slash && Defaults.TryGetValue(part[(dot + 1)..], out type) ? type : null;
        }
    }

    /// <summary>
    /// A central directory entry. <see cref="RawName"/>: the name's bytes, which the local header must repeat;
    /// <see cref="Limit"/>: where the next entry (or the central directory) begins, which its data must not pass.
    /// </summary>
    internal readonly record struct Central(string Name, byte[] RawName, ushort Flags, ushort Method, long CompressedSize, long UncompressedSize, long LocalHeaderOffset)
    {
        public long Limit { get; init; }

        public static bool TryParse(ReadOnlySpan<byte> directory, ref int position, out Central entry)
        {
            entry = default;
            if (position + 46 > directory.Length || !directory[position..].StartsWith(CentralHeader))
            {
                return false;
            }

            var record = directory[position..];
            var nameLength = SniffContext.U16LE(record, 28);
            var extraLength = SniffContext.U16LE(record, 30);
            var commentLength = SniffContext.U16LE(record, 32);
            var length = 46 + nameLength + extraLength + commentLength;
            if (length > record.Length)
            {
                return false;
            }

            long compressed = SniffContext.U32LE(record, 20);
            long uncompressed = SniffContext.U32LE(record, 24);
            long offset = SniffContext.U32LE(record, 42);

            // Zip64 extended information: the 8-byte values present are those whose 32-bit field is 0xFFFFFFFF, in order.
            var extra = record.Slice(46 + nameLength, extraLength);
            while (extra.Length >= 4)
            {
                var id = SniffContext.U16LE(extra, 0);
                var size = SniffContext.U16LE(extra, 2);
                if (size > extra.Length - 4)
                {
                    return false;
                }

                if (id == 1)
                {
                    var field = extra.Slice(4, size);
                    var at = 0;
                    if (uncompressed == uint.MaxValue && at + 8 <= field.Length)
                    {
                        uncompressed = (long)Math.Min(SniffContext.U64LE(field, at), long.MaxValue / 4);
                        at += 8;
                    }

                    if (compressed == uint.MaxValue && at + 8 <= field.Length)
                    {
                        compressed = (long)Math.Min(SniffContext.U64LE(field, at), long.MaxValue / 4);
                        at += 8;
                    }

                    if (offset == uint.MaxValue && at + 8 <= field.Length)
                    {
                        offset = (long)Math.Min(SniffContext.U64LE(field, at), long.MaxValue / 4);
                    }
                }

                extra = extra[(4 + size)..];
            }

            var nameBytes = record.Slice(46, nameLength);
            var flags = SniffContext.U16LE(record, 8);
            entry = new Central(DecodeName(nameBytes, flags), nameBytes.ToArray(), flags, SniffContext.U16LE(record, 10), compressed, uncompressed, offset);
            position += length;
            return true;
        }
    }
}
