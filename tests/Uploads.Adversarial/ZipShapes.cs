using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Uploads.Adversarial;

/// <summary>
/// Crafted DOCX (ZIP/OOXML) files that made the DOCX check inflate and parse far more than the file holds: central
/// directory entries sharing one local header (each inflated again), or with distinct headers whose data overlap,
/// local names that differ from the central ones, parts with extreme compression ratios, and embedded packages,
/// each given the whole allowance again. Every one is
/// built by hand (<see cref="ZipWriter"/>: the headers and the central directory can lie), is detected as a DOCX
/// (a <c>[Content_Types].xml</c> naming <c>word/document.xml</c> as the main part), and must be refused.
/// The sizes chosen maximise the work of the unbounded check: it read at most <see cref="OldPartBytes"/> compressed
/// of parts per package, each inflated to at most <see cref="OldInflatedPartBytes"/>, from a central directory of at
/// most <see cref="OldDirectoryBytes"/>, and opened any number of embedded packages, each with those bounds again.
/// </summary>
public static class ZipShapes
{
    /// <summary>The content type a DOCX is uploaded under.</summary>
    public const string DocxContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    /// <summary>The compressed bytes of parts the old check read per package (its <c>MaxPartBytes</c>, less the skeleton's parts).</summary>
    private const int OldPartBytes = (6 * 1024 * 1024) - (8 * 1024);

    /// <summary>The most a part inflated to in the old check (its <c>MaxInflatedPartBytes</c>).</summary>
    private const int OldInflatedPartBytes = 32 * 1024 * 1024;

    /// <summary>The largest central directory the check reads (<c>ContentSniffer.MaxZipDirectoryBytes</c>), less a margin.</summary>
    private const int OldDirectoryBytes = 1000 * 1024;

    private const string WordMain = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
    private const string SheetMain = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
    private const string WordNamespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

    /// <summary>
    /// An empty element: the densest XML, and 4 bytes long, so that deflate repeats it at its best ratio (a match
    /// distance under 5 needs no extra bits: about 1000:1, against about 340:1 for a 35-byte paragraph).
    /// </summary>
    private static readonly byte[] Element = "<a/>"u8.ToArray();

    /// <summary>A field begun and never ended: the old check kept a builder on a stack for each.</summary>
    private static readonly byte[] OpenField = "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"u8.ToArray();

    /// <summary>The shapes, each made at about the size asked for (see each builder).</summary>
    public static IReadOnlyList<AdversarialShape> All { get; } =
    [
        new("docx-shared-local-header", "report.docx", DocxContentType, Clean: false, SharedLocalHeader),
        new("docx-name-mismatch", "report.docx", DocxContentType, Clean: false, NameMismatch),
        new("docx-nested-packages", "report.docx", DocxContentType, Clean: false, NestedPackages),
        new("docx-ratio-bomb", "report.docx", DocxContentType, Clean: false, RatioBomb),
        new("docx-overlapping-entries", "report.docx", DocxContentType, Clean: false, OverlappingEntries),
    ];

    /// <summary>
    /// The shape: one local header of a highly compressible story part (up to 32 MiB inflated) and as many
    /// central entries (<c>word/header1.xml</c>, <c>word/header2.xml</c>, …) pointing at it as the size allows, each
    /// inflated and parsed again; the central directory up to about 1 MiB, the rest an image nobody reads.
    /// </summary>
    public static byte[] SharedLocalHeader(int targetBytes) => SharedPackage(targetBytes, WordMain, "word/document.xml", "word/header");

    /// <summary>
    /// Story parts whose local headers are named otherwise (<c>word/vbaProjectN.bin</c>: what a reader that walks the
    /// local headers would extract) than their central entries (<c>word/headerN.xml</c>: what the check reads), each a
    /// distinct local header of a part inflating to just under 64 KiB (about 1000:1), as many as the size allows.
    /// </summary>
    public static byte[] NameMismatch(int targetBytes)
    {
        var zip = new ZipWriter();
        var skeleton = Skeleton(zip, WordMain, "word/document.xml");
        var budget = Math.Max(512, targetBytes - skeleton - 200);
        var part = Story(60 * 1024, Element);
        var count = Math.Max(1, Math.Min(budget / (30 + 22 + part.Data.Length + 46 + 20), OldDirectoryBytes / 66));
        for (var i = 1; i <= count; i++)
        {
            zip.Central($"word/header{i}.xml", zip.Add($"word/vbaProject{i}.bin", part));
        }

        return zip.Finish(targetBytes);
    }

    /// <summary>
    /// Embedded packages (<c>word/embeddings/*.docx</c>, then one <c>*.xlsx</c>, each its own local header), each using
    /// the shared-header trick on its own story parts; the workbook embeds a further package doing the same: every
    /// package was opened with the whole allowance again.
    /// </summary>
    public static byte[] NestedPackages(int targetBytes)
    {
        // Inner packages: the shared-header trick; the workbook also embeds a package one level further down (last,
        // since the old check gave up on the whole file when it met one). Under 8 KiB: one inner document only.
        var small = targetBytes < 8 * 1024;
        var innerSize = Math.Clamp(targetBytes / (small ? 2 : 4), 1536, 48 * 1024);
        var docx = SharedPackage(innerSize, WordMain, "word/document.xml", "word/header");
        var xlsx = small ? null : SharedPackage(innerSize, SheetMain, "xl/workbook.xml", "xl/header", [("xl/embeddings/Microsoft_Word_Document.docx", SharedPackage(innerSize / 2, WordMain, "word/document.xml", "word/header"))]);

        var zip = new ZipWriter();
        var skeleton = Skeleton(zip, WordMain, "word/document.xml");
        var count = Math.Max(1, (targetBytes - skeleton - (xlsx?.Length ?? 0)) / (docx.Length + 170));
        for (var i = 1; i <= count; i++)
        {
            var name = $"word/embeddings/Microsoft_Word_Document{i}.docx";
            zip.Central(name, zip.Add(name, Stored(docx)));
        }

        if (xlsx is not null)
        {
            const string name = "word/embeddings/Microsoft_Excel_Worksheet.xlsx";
            zip.Central(name, zip.Add(name, Stored(xlsx)));
        }

        return zip.Finish(targetBytes);
    }

    /// <summary>
    /// Story parts compressed as far as deflate goes (about 1000:1), each of fields begun and never ended (the old
    /// check kept a builder for each, 32 MiB of them per part): <c>word/document.xml</c> first, then as many
    /// <c>word/headerN.xml</c> as the size allows.
    /// </summary>
    public static byte[] RatioBomb(int targetBytes)
    {
        var zip = new ZipWriter();
        var skeleton = Skeleton(zip, WordMain, mainPart: null);
        var budget = Math.Max(512, targetBytes - skeleton - 200);
        var part = Story(Inflated(Math.Clamp(budget, 64, Compressed(OldInflatedPartBytes, OpenField)), OpenField), OpenField);
        var count = Math.Max(1, Math.Min(budget / (part.Data.Length + 110), OldPartBytes / part.Data.Length));
        for (var i = 0; i < count; i++)
        {
            var name = i == 0 ? "word/document.xml" : $"word/header{i}.xml";
            zip.Central(name, zip.Add(name, part));
        }

        return zip.Finish(targetBytes);
    }

    /// <summary>
    /// Entries with distinct local headers whose data overlap (D. Fifield's "better zip bomb"): each embedded
    /// object's data is a stored deflate block quoting a filler byte and the next entry's local header, and so on down
    /// to the shared kernel (a part compressed as far as deflate goes), so every entry inflates the kernel again though
    /// no two share a local header. The filler keeps each inflated object from looking like a package.
    /// </summary>
    public static byte[] OverlappingEntries(int targetBytes)
    {
        var zip = new ZipWriter();
        var skeleton = Skeleton(zip, WordMain, "word/document.xml");
        var budget = Math.Max(1024, targetBytes - skeleton - 200);
        var kernel = Story(Inflated(Math.Clamp(budget / 2, 64, Compressed(OldInflatedPartBytes - (1024 * 1024), Element)), Element), Element);
        var count = Math.Max(2, Math.Min((budget - kernel.Data.Length) / (6 + 30 + 30 + 46 + 30), OldDirectoryBytes / 80));

        // Layout: H1, [stored: 'x' H2], H2, [stored: 'x' H3], H3, ..., Hn, kernel. Entry i inflates to
        // 'x' H(i+1) 'x' H(i+2) ... Hn, then the kernel. Fewer entries while the old check would not read them all
        // (at most OldPartBytes compressed per package: every entry's data runs to the kernel's end).
        Local[] locals;
        List<string> names;
        while (true)
        {
            names = [.. Enumerable.Range(1, count).Select(i => $"word/embeddings/oleObject{i}.bin")];
            var lengths = names.Select(n => 30 + Encoding.UTF8.GetByteCount(n)).ToList();
            var offset = zip.Position;
            var offsets = new long[count];
            for (var i = 0; i < count; i++)
            {
                offsets[i] = offset;
                offset += lengths[i] + 5 + 1;
            }

            var kernelEnd = offsets[^1] + lengths[^1] + kernel.Data.Length;
            locals = new Local[count];
            long quoted = 0;
            for (var i = count - 1; i >= 0; i--)
            {
                locals[i] = new Local(offsets[i], 8, 0, kernelEnd - (offsets[i] + lengths[i]), quoted + kernel.UncompressedSize);
                quoted += 1 + lengths[i];
            }

            if (count == 2 || locals.Sum(l => l.CompressedSize) <= OldPartBytes)
            {
                break;
            }

            count--;
        }

        for (var i = 0; i < count; i++)
        {
            var header = ZipWriter.LocalHeader(names[i], 8, 0, locals[i].CompressedSize, locals[i].UncompressedSize);
            if (i > 0)
            {
                var length = header.Length + 1;
                zip.Raw([0x00, (byte)length, (byte)(length >> 8), (byte)~length, (byte)(~length >> 8), (byte)'x']);
            }

            zip.Raw(header);
        }

        zip.Raw(kernel.Data);
        for (var i = 0; i < count; i++)
        {
            zip.Central(names[i], locals[i]);
        }

        return zip.Finish(targetBytes);
    }

    private const string StoryEnd = "</w:body></w:document>";

    private static string StoryStart(string ns) => $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document xmlns:w=\"{ns}\"><w:body>";

    /// <summary>
    /// A package using the shared-header trick: <paramref name="mainPart"/> small and honest, one local header of a
    /// compressible story part, and central entries <c>{stem}N.xml</c> pointing at it, as many as the size allows
    /// (the rest of the size: an image nobody reads), plus <paramref name="embedded"/> packages stored as they are.
    /// </summary>
    private static byte[] SharedPackage(int targetBytes, string mainType, string mainPart, string stem, (string Name, byte[] Bytes)[]? embedded = null)
    {
        var zip = new ZipWriter();
        var skeleton = Skeleton(zip, mainType, mainPart) + (embedded ?? []).Sum(e => e.Bytes.Length + (2 * e.Name.Length) + 76);
        var budget = Math.Max(512, targetBytes - skeleton - 200);
        var record = 46 + stem.Length + 9;

        // Half the size for the part (up to what inflates to 32 MiB), half for the entries pointing at it; then the
        // part made smaller while the old per-package bound would stop short of reading every entry.
        var compressed = Math.Clamp(budget / 2, 64, Compressed(OldInflatedPartBytes, Element));
        var count = Math.Max(2, Math.Min((budget - compressed) / record, OldDirectoryBytes / record));
        compressed = Math.Max(64, Math.Min(compressed, OldPartBytes / count));

        var part = Story(Inflated(compressed, Element), Element);
        count = Math.Max(2, Math.Min(count, OldPartBytes / part.Data.Length));
        var shared = zip.Add($"{stem}1.xml", part);
        for (var i = 1; i <= count; i++)
        {
            zip.Central($"{stem}{i}.xml", shared);
        }

        // After the shared part, so that the old check inflated every entry before it met them.
        foreach (var (name, bytes) in embedded ?? [])
        {
            zip.Central(name, zip.Add(name, Stored(bytes)));
        }

        return zip.Finish(targetBytes);
    }

    /// <summary>
    /// The parts every shape begins with: <c>[Content_Types].xml</c> naming <paramref name="mainType"/>,
    /// <c>_rels/.rels</c> and, unless null, a small honest <paramref name="mainPart"/>. Returns the bytes they take.
    /// </summary>
    private static int Skeleton(ZipWriter zip, string mainType, string? mainPart)
    {
        var main = mainPart ?? (mainType == SheetMain ? "xl/workbook.xml" : "word/document.xml");
        var types = Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
            + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + $"<Override PartName=\"/{main}\" ContentType=\"{mainType}\"/></Types>");
        var rels = Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + $"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"{main}\"/>"
            + "</Relationships>");
        var start = zip.Position;
        zip.Central("[Content_Types].xml", zip.Add("[Content_Types].xml", Deflated(types)));
        zip.Central("_rels/.rels", zip.Add("_rels/.rels", Deflated(rels)));
        if (mainPart is not null)
        {
            zip.Central(mainPart, zip.Add(mainPart, Deflated(Encoding.UTF8.GetBytes(StoryStart(WordNamespace) + "<w:p><w:r><w:t>Quarterly report</w:t></w:r></w:p>" + StoryEnd))));
        }

        return (int)(zip.Position - start) + zip.CentralBytes + 22;
    }

    /// <summary>How many inflated bytes of <paramref name="unit"/> repeated deflate to about <paramref name="compressed"/> bytes.</summary>
    private static long Inflated(int compressed, byte[] unit)
    {
        var ratio = Ratio(unit);
        return Math.Min(OldInflatedPartBytes - 4096, (long)(compressed * ratio));
    }

    /// <summary>About how many compressed bytes <paramref name="inflated"/> bytes of <paramref name="unit"/> repeated take.</summary>
    private static int Compressed(long inflated, byte[] unit) => (int)(inflated / Ratio(unit)) + 1;

    private static readonly Dictionary<byte[], double> Ratios = [];

    private static double Ratio(byte[] unit)
    {
        lock (Ratios)
        {
            if (!Ratios.TryGetValue(unit, out var ratio))
            {
                var sample = Story(4L * 1024 * 1024, unit);
                ratio = (double)sample.UncompressedSize / sample.Data.Length;
                Ratios[unit] = ratio;
            }

            return ratio;
        }
    }

    /// <summary>A story part of about <paramref name="inflated"/> bytes: <paramref name="unit"/> repeated in a document, deflated.</summary>
    private static Payload Story(long inflated, byte[] unit)
    {
        var start = Encoding.UTF8.GetBytes(StoryStart(WordNamespace));
        var end = Encoding.UTF8.GetBytes(StoryEnd);
        var count = Math.Max(1, (inflated - start.Length - end.Length) / unit.Length);
        var crc = new Crc32();
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            Write(start);
            var block = Repeat(unit, Math.Min(count, 4096));
            var remaining = count;
            while (remaining > 0)
            {
                var take = (int)Math.Min(remaining, block.Length / unit.Length);
                Write(block.AsSpan(0, take * unit.Length));
                remaining -= take;
            }

            Write(end);

            void Write(ReadOnlySpan<byte> bytes)
            {
                crc.Append(bytes);
                deflate.Write(bytes);
            }
        }

        return new Payload(output.ToArray(), 8, crc.Value, start.Length + end.Length + (count * unit.Length));
    }

    private static byte[] Repeat(byte[] unit, long count)
    {
        var bytes = new byte[unit.Length * count];
        for (var i = 0; i < count; i++)
        {
            unit.CopyTo(bytes, i * unit.Length);
        }

        return bytes;
    }

    private static Payload Deflated(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(bytes);
        }

        return new Payload(output.ToArray(), 8, Crc32.Of(bytes), bytes.Length);
    }

    private static Payload Stored(byte[] bytes) => new(bytes, 0, Crc32.Of(bytes), bytes.Length);

    /// <summary>Bytes to store in an entry: the data as written, its method, the CRC and size of what it inflates to.</summary>
    private sealed record Payload(byte[] Data, ushort Method, uint Crc, long UncompressedSize);

    /// <summary>Where a local header was written and what its central entries should declare.</summary>
    private sealed record Local(long Offset, ushort Method, uint Crc, long CompressedSize, long UncompressedSize);

    /// <summary>
    /// A ZIP written by hand: local headers and data in order, central records added separately (so that any number
    /// may point at one local header, under any name), then the end record; padded with a stored image to a size.
    /// </summary>
    private sealed class ZipWriter
    {
        private readonly MemoryStream _output = new();
        private readonly MemoryStream _central = new();
        private int _entries;

        public long Position => _output.Length;

        public int CentralBytes => (int)_central.Length;

        public static byte[] LocalHeader(string name, ushort method, uint crc, long compressed, long uncompressed)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var header = new byte[30 + nameBytes.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x04034B50);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), method);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(14), crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(18), (uint)compressed);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(22), (uint)uncompressed);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(26), (ushort)nameBytes.Length);
            nameBytes.CopyTo(header, 30);
            return header;
        }

        /// <summary>Writes a local header named <paramref name="name"/> and its data.</summary>
        public Local Add(string name, Payload payload)
        {
            var local = new Local(_output.Length, payload.Method, payload.Crc, payload.Data.Length, payload.UncompressedSize);
            _output.Write(LocalHeader(name, payload.Method, payload.Crc, payload.Data.Length, payload.UncompressedSize));
            _output.Write(payload.Data);
            return local;
        }

        public void Raw(byte[] bytes) => _output.Write(bytes);

        /// <summary>A central record named <paramref name="name"/> pointing at <paramref name="local"/>.</summary>
        public void Central(string name, Local local)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var record = new byte[46 + nameBytes.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(record, 0x02014B50);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(6), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(10), local.Method);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(16), local.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(20), (uint)local.CompressedSize);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(24), (uint)local.UncompressedSize);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(28), (ushort)nameBytes.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(42), (uint)local.Offset);
            nameBytes.CopyTo(record, 46);
            _central.Write(record);
            _entries++;
        }

        /// <summary>
        /// The archive: what was written, a stored <c>word/media/image1.png</c> of deterministic noise bringing it to
        /// about <paramref name="targetBytes"/> (none when it is already that large), the central directory, the end record.
        /// </summary>
        public byte[] Finish(int targetBytes)
        {
            var padding = targetBytes - (int)(_output.Length + _central.Length + 22 + (2 * 76) + 44);
            if (padding > 256)
            {
                var noise = new byte[padding];
                new Random(padding).NextBytes(noise);
                Central("word/media/image1.png", Add("word/media/image1.png", Stored(noise)));
            }

            var directoryOffset = _output.Length;
            _central.WriteTo(_output);
            var end = new byte[22];
            BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054B50);
            BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)Math.Min(_entries, ushort.MaxValue));
            BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)Math.Min(_entries, ushort.MaxValue));
            BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)_central.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)directoryOffset);
            _output.Write(end);
            return _output.ToArray();
        }
    }

    /// <summary>CRC-32 (ZIP's polynomial), so that every entry is honest about its checksum.</summary>
    private sealed class Crc32
    {
        private static readonly uint[] Table = MakeTable();
        private uint _crc = uint.MaxValue;

        public uint Value => ~_crc;

        public static uint Of(ReadOnlySpan<byte> bytes)
        {
            var crc = new Crc32();
            crc.Append(bytes);
            return crc.Value;
        }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            var crc = _crc;
            foreach (var b in bytes)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            _crc = crc;
        }

        private static uint[] MakeTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                var c = n;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                }

                table[n] = c;
            }

            return table;
        }
    }
}
