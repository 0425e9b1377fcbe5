using System.IO.Compression;
using System.Text;
using System.Xml;

namespace Uploads.Sniffing.Formats;

/// <summary>
/// ZIP and OOXML: the End Of Central Directory record (zip64 too) is read from the tail, the central directory
/// (bounded) is searched for <c>[Content_Types].xml</c>, and that entry is read and parsed: its main-part content
/// type tells DOCX from DOCM, DOTX, XLSX, PPTX and plain ZIP. Entry order and data descriptors do not matter because
/// only the central directory's sizes and offsets are used.
/// </summary>
internal static class Zip
{
    public const int MaxContentTypesBytes = 1024 * 1024;

    private const string ContentTypesName = "[Content_Types].xml";
    private const string DocxMain = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
    private const string VbaProject = "application/vnd.ms-office.vbaproject";

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

        return ReadContentTypes(context, types, names);
    }

    /// <summary>
    /// An OOXML package embedded in another (read whole into <paramref name="context"/>): its entries, its main part
    /// (the first <c>*.main+xml</c> override, null when none) and whether a VBA project content type is declared.
    /// Null when read; else why not.
    /// </summary>
    internal static SniffOutcome? ReadPackage(SniffContext context, out Dictionary<string, Central> names, out string? mainPart, out bool macros)
    {
        mainPart = null;
        macros = false;
        if (ReadDirectory(context, out names) is { } failed)
        {
            return failed;
        }

        if (!names.TryGetValue(ContentTypesName, out var types))
        {
            return Damaged("it is no Office document (no [Content_Types].xml)");
        }

        if (!TryReadEntry(context, types, MaxContentTypesBytes, MaxContentTypesBytes, out var xml, out failed))
        {
            return failed;
        }

        if (!TryReadTypes(xml, out var overrides, out macros))
        {
            return Damaged("its [Content_Types].xml is not well-formed");
        }

        mainPart = overrides.Where(o => o.Type.EndsWith(".main+xml", StringComparison.Ordinal)).Select(o => o.Part.TrimStart('/')).FirstOrDefault();
        return null;
    }

    /// <summary>The central directory: every entry by name (case-insensitive). Null when read; else the range needed or a refusal.</summary>
    private static SniffOutcome? ReadDirectory(SniffContext context, out Dictionary<string, Central> names)
    {
        names = new Dictionary<string, Central>(StringComparer.OrdinalIgnoreCase);
        if (!context.TryGetTail(ContentSniffer.ZipTailBytes, out var tailMemory, out var tailMissing))
        {
            return tailMissing;
        }

        var total = context.Total!.Value;
        var tail = tailMemory.Span;
        var tailStart = total - tail.Length;

        var eocd = -1;
        for (var i = tail.Length - 22; i >= 0; i--)
        {
            if (tail[i] == 'P' && tail[(i + 1)..].StartsWith("K\x05\x06"u8) && 22 + SniffContext.U16LE(tail, i + 20) == tail.Length - i)
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
        if (locator >= 0 && tail[locator..].StartsWith("PK\x06\x07"u8))
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
            if (!zip64.StartsWith("PK\x06\x06"u8))
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
        var position = 0;
        for (long n = 0; n < entryCount && position < directory.Length; n++)
        {
            if (!Central.TryParse(directory, ref position, out var entry))
            {
                return Damaged("its central directory is malformed");
            }

            if (!names.TryAdd(entry.Name, entry))
            {
                return Damaged($"it holds two entries named '{Printable(entry.Name)}'");
            }
        }

        return null;
    }

    private static SniffOutcome ReadContentTypes(SniffContext context, Central entry, Dictionary<string, Central> names)
    {
        if (!TryReadEntry(context, entry, MaxContentTypesBytes, MaxContentTypesBytes, out var xml, out var failed))
        {
            return failed;
        }

        if (!TryReadTypes(xml, out var overrides, out var macros))
        {
            return Damaged("its [Content_Types].xml is not well-formed");
        }

        foreach (var (part, type) in overrides)
        {
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

            return ActiveContent.Office.DocxScanner.Check(context, names, part.TrimStart('/'), macros);
        }

        return SniffContext.Detected(MediaTypes.Zip);
    }

    /// <summary>
    /// Reads and inflates one entry (stored or deflated) through its local header, in ranges of at most
    /// <see cref="ContentSniffer.MaxRangeBytes"/> (prefetching the next megabyte, where the following parts usually are).
    /// False: <paramref name="failed"/> is the range needed, or a refusal (encrypted, oversized, damaged).
    /// </summary>
    internal static bool TryReadEntry(SniffContext context, Central entry, int maxCompressed, int maxInflated, out byte[] content, out SniffOutcome failed)
    {
        content = [];
        failed = null!;
        var what = Printable(entry.Name);
        if ((entry.Flags & 1) != 0)
        {
            failed = Damaged($"its {what} is encrypted");
            return false;
        }

        if (entry.CompressedSize > maxCompressed || entry.UncompressedSize > maxInflated)
        {
            failed = Damaged($"its {what} is larger than can be checked");
            return false;
        }

        if (!context.TryRead(entry.LocalHeaderOffset, 30, out var localMemory, out var missing, ContentSniffer.MaxRangeBytes))
        {
            failed = missing ?? Damaged($"its {what} entry lies outside the file");
            return false;
        }

        var local = localMemory.Span;
        if (!local.StartsWith("PK\x03\x04"u8))
        {
            failed = Damaged($"the local header of {what} is missing");
            return false;
        }

        var dataStart = entry.LocalHeaderOffset + 30 + SniffContext.U16LE(local, 26) + SniffContext.U16LE(local, 28);
        var data = new byte[entry.CompressedSize];
        for (var at = 0; at < data.Length; at += ContentSniffer.MaxRangeBytes)
        {
            var length = Math.Min(ContentSniffer.MaxRangeBytes, data.Length - at);
            if (!context.TryRead(dataStart + at, length, out var piece, out missing, ContentSniffer.MaxRangeBytes))
            {
                failed = missing ?? Damaged($"its {what} entry is truncated");
                return false;
            }

            piece.Span.CopyTo(data.AsSpan(at));
        }

        switch (entry.Method)
        {
            case 0:
                content = data;
                return true;
            case 8 when TryInflate(data, (int)entry.UncompressedSize, maxInflated, out content):
                return true;
            case 8:
                failed = Damaged($"its {what} cannot be decompressed within the bounds");
                return false;
            default:
                failed = Damaged($"its {what} uses unsupported compression method {entry.Method}");
                return false;
        }
    }

    private static bool TryInflate(ReadOnlyMemory<byte> compressed, int expected, int max, out byte[] result)
    {
        result = [];
        var buffer = new byte[Math.Min(max, Math.Max(expected, 0)) + 1];
        try
        {
            using var stream = new DeflateStream(new MemoryStream(compressed.ToArray(), writable: false), CompressionMode.Decompress);
            var length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }

            if (length > max || length > expected)
            {
                // More than the central directory declared, or than the bound: a bomb or a lie.
                return false;
            }

            result = buffer.AsSpan(0, length).ToArray();
            return true;
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException)
        {
            return false;
        }
    }

    private static bool TryReadTypes(byte[] xml, out List<(string Part, string Type)> overrides, out bool macros)
    {
        overrides = [];
        macros = false;
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxContentTypesBytes,
            IgnoreComments = true,
            IgnoreWhitespace = true,
        };
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml, writable: false), settings);
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                var type = reader.GetAttribute("ContentType")?.Trim().ToLowerInvariant();
                if (type is null)
                {
                    continue;
                }

                macros |= type == VbaProject;
                if (reader.LocalName == "Override" && reader.GetAttribute("PartName") is { } part)
                {
                    overrides.Add((part, type));
                }
            }

            return true;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    /// <summary>OpenDocument and similar: a first, stored entry named <c>mimetype</c> holding the type.</summary>
    private static SniffOutcome.Detected? OpenDocument(ReadOnlySpan<byte> head)
    {
        if (head.Length < 38 || !head.StartsWith("PK\x03\x04"u8) || SniffContext.U16LE(head, 8) != 0 || !head[30..].StartsWith("mimetype"u8)
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

    internal readonly record struct Central(string Name, ushort Flags, ushort Method, long CompressedSize, long UncompressedSize, long LocalHeaderOffset)
    {
        public static bool TryParse(ReadOnlySpan<byte> directory, ref int position, out Central entry)
        {
            entry = default;
            if (position + 46 > directory.Length || !directory[position..].StartsWith("PK\x01\x02"u8))
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
            var name = (SniffContext.U16LE(record, 8) & 0x800) != 0 || !nameBytes.ContainsAnyExceptInRange((byte)0, (byte)0x7F)
                ? Encoding.UTF8.GetString(nameBytes)
                : Encoding.Latin1.GetString(nameBytes);
            entry = new Central(name, SniffContext.U16LE(record, 8), SniffContext.U16LE(record, 10), compressed, uncompressed, offset);
            position += length;
            return true;
        }
    }
}
