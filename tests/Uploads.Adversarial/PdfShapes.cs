using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Uploads.Adversarial;

/// <summary>
/// Crafted PDFs that made the PDF active-content scanner do hostile amounts of work (issue "Bounded verification"):
/// object streams whose <c>/N</c> header repeats one offset (each object parsed again to the end of the stream, every
/// action reference copying its key path), reference graphs whose fan-in the JavaScript tracing walked once per script,
/// an XFA packet whose <c>&lt;script&gt;</c> probe searched the rest of the packet at every <c>&lt;</c>, and streams
/// nested inside each other's data (each decoded again to the common end). Every file starts <c>%PDF-1.7</c> and ends
/// with an xref table and a trailer, so that it is detected as a PDF and scanned whole.
/// </summary>
public static class PdfShapes
{
    private const string ContentType = "application/pdf";

    /// <summary>Object-stream header entries: the reader's limit (PdfObjectReader.MaxObjectStreamObjects).</summary>
    private const int HeaderEntries = 100_000;

    /// <summary>Dictionaries nested on the way to the references (under the parser's 64 levels).</summary>
    private const int ChainDepth = 58;

    /// <summary>What a packet's text may decode to: the checker's floor for any compressed stream (1 MiB + 100 × encoded).</summary>
    private const int InflateFloor = 1024 * 1024;

    public static IReadOnlyList<AdversarialShape> All { get; } =
    [
        new("pdf-objstm-repeated-offsets", "statement.pdf", ContentType, false, RepeatedOffsets),
        new("pdf-objstm-edges", "statement.pdf", ContentType, false, Edges),
        new("pdf-xfa-quadratic", "form.pdf", ContentType, true, size => Xfa(size, script: false)),
        new("pdf-xfa-quadratic-script", "form.pdf", ContentType, false, size => Xfa(size, script: true)),
        new("pdf-nested-streams", "statement.pdf", ContentType, false, NestedStreams),
        new("pdf-many-tiny-streams", "statement.pdf", ContentType, false, TinyStreams),
    ];

    /// <summary>
    /// The first shape, scaled: Flate object streams whose <c>/N</c> 100,000 header entries all name object 10 at
    /// offset 0, an object that nests <c>/AA /WC /Next /Next …</c> 58 dictionaries deep around an array of 90,000
    /// references to a JavaScript action. Each stream decodes to just under 1 MiB (the checker's floor for any stream);
    /// as many streams as the size allows.
    /// </summary>
    private static byte[] RepeatedOffsets(int size)
    {
        var pdf = new PdfBuilder();
        pdf.Object(1, "<< /Type /Catalog /Pages 2 0 R >>");
        pdf.Object(2, "<< /Type /Pages /Kids [] /Count 0 >>");
        pdf.Object(3, "<< /S /JavaScript /JS (app.alert\\(1\\)) >>");

        var header = new StringBuilder();
        for (var i = 0; i < HeaderEntries; i++)
        {
            header.Append("10 0 ");
        }

        var chain = new StringBuilder("<< /Type /Catalog /AA << /WC ");
        for (var i = 0; i < ChainDepth; i++)
        {
            chain.Append("<< /S /GoTo /D [0 /Fit] /Next ");
        }

        chain.Append('[');
        var body = Encoding.ASCII.GetBytes(chain.ToString());
        var references = Repeat("3 0 R "u8, (InflateFloor - header.Length - body.Length - (3 * ChainDepth) - 64) / 6);
        var closing = new StringBuilder("]");
        for (var i = 0; i < ChainDepth; i++)
        {
            closing.Append(" >>");
        }

        closing.Append(" >> >>");
        var content = Concat(Encoding.ASCII.GetBytes(header.ToString()), body, references, Encoding.ASCII.GetBytes(closing.ToString()));
        var data = Deflate(content);
        var entries = $"/Type /ObjStm /N {HeaderEntries} /First {header.Length} /Filter /FlateDecode";
        var number = 4;
        do
        {
            pdf.Stream(number++, entries, data);
        }
        while (pdf.Length + data.Length + 120 + PdfBuilder.TailBytes(number) <= size);

        return pdf.Finish(root: 1);
    }

    /// <summary>
    /// Many references: JavaScript actions in objects of their own, all listed by one hub (<c>/Next</c>), which
    /// fan-in objects reference again and again under <c>/Kids</c>, <c>/Names</c> and <c>/Next</c>, and the catalog's
    /// <c>/OpenAction</c> once: a per-script trace queued the whole fan-in (with a copy of each path) once per script.
    /// Half the bytes are scripts, half fan-in references; all but the catalog sit in object streams (unfiltered, so
    /// that the file's size is its work).
    /// </summary>
    private static byte[] Edges(int size)
    {
        var pdf = new PdfBuilder();
        pdf.Object(1, "<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>");
        pdf.Object(2, "<< /Type /Pages /Kids [] /Count 0 >>");

        // About 55 bytes a script (its object, its header entry, its reference in the hub), 7 bytes a fan-in reference.
        var scripts = Math.Max(2, size / 2 / 55);
        var fanIn = Math.Max(8, size / 2 / 7);
        const int Hub = 5;
        const int FirstScript = 100;
        var objects = new List<(int Number, byte[] Body)>();
        var hub = new StringBuilder("<< /Next [");
        for (var i = 0; i < scripts; i++)
        {
            hub.Append(CultureInfo.InvariantCulture, $"{FirstScript + i} 0 R ");
            objects.Add((FirstScript + i, "<< /S /JavaScript /JS (1) >>"u8.ToArray()));
        }

        objects.Add((Hub, Encoding.ASCII.GetBytes(hub.Append("] >>").ToString())));
        string[] keys = ["Kids", "Names", "Next"];
        var fan = FirstScript + scripts;
        for (var left = fanIn; left > 0; fan++)
        {
            var count = Math.Min(left, 10_000);
            left -= count;
            var key = keys[fan % keys.Length];
            var item = key == "Names" ? "(a) 5 0 R "u8 : "5 0 R "u8;
            objects.Add((fan, Concat(Encoding.ASCII.GetBytes($"<< /{key} ["), Repeat(item, count), "] >>"u8.ToArray())));
        }

        var number = fan;
        foreach (var group in ObjectStreams(objects, 512 * 1024))
        {
            pdf.Stream(number++, group.Entries, group.Content);
        }

        return pdf.Finish(root: 1);
    }

    /// <summary>
    /// The second shape, scaled: an XFA form whose Flate-compressed template holds a long run of <c>&lt;</c>
    /// without a colon or a name end after them (the old probe searched the rest of the packet at each), just under
    /// 1 MiB of text per packet (one packet, and one more per 8 MiB of file), and an image of random bytes to make up
    /// the size. <paramref name="script"/>: the last packet ends with an XFA <c>&lt;script&gt;</c>.
    /// </summary>
    private static byte[] Xfa(int size, bool script)
    {
        var pdf = new PdfBuilder();
        var packets = 1 + (size / (8 * 1024 * 1024));
        var xfa = new StringBuilder("[");
        for (var i = 0; i < packets; i++)
        {
            xfa.Append(CultureInfo.InvariantCulture, $"(template{i}) {10 + i} 0 R ");
        }

        pdf.Object(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>");
        pdf.Object(2, "<< /Type /Pages /Kids [4 0 R] /Count 1 >>");
        pdf.Object(3, $"<< /Fields [] /XFA {xfa.Append(']')} >>");
        pdf.Object(4, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>");
        for (var i = 0; i < packets; i++)
        {
            pdf.Stream(10 + i, "/Filter /FlateDecode", Deflate(XfaPacket(script && i == packets - 1)));
        }

        var padding = size - (int)pdf.Length - 200 - PdfBuilder.TailBytes(10 + packets + 1);
        if (padding > 0)
        {
            var noise = new byte[padding];
            new Random(19).NextBytes(noise);
            pdf.Stream(10 + packets, "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode", noise);
        }

        return pdf.Finish(root: 1);
    }

    private static byte[] XfaPacket(bool script)
    {
        var head = "<?xml version=\"1.0\"?>\n<xdp:xdp xmlns:xdp=\"http://ns.adobe.com/xdp/\"><template xmlns=\"http://www.xfa.org/schema/xfa-template/3.3/\"><subform name=\"form1\">"u8;
        var tail = script
            ? "<field name=\"f\"><event activity=\"initialize\"><script contentType=\"application/x-javascript\">app.alert(1)</script></event></field></subform></template></xdp:xdp>"u8
            : "<field name=\"f\"/></subform></template></xdp:xdp>"u8;
        var run = Repeat("<"u8, InflateFloor - 4096 - head.Length - tail.Length);
        return Concat(head.ToArray(), run, "a\n"u8.ToArray(), tail.ToArray());
    }

    /// <summary>
    /// Unfiltered object streams without <c>/Length</c>, each starting in the data of the one before: all end at the
    /// same <c>endstream</c>, so that a checker decoding each from its start to that end copies the rest of the file
    /// once per stream. The innermost data launches a program.
    /// </summary>
    private static byte[] NestedStreams(int size)
    {
        var pdf = new PdfBuilder();
        pdf.Object(1, "<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>");
        pdf.Object(2, "<< /Type /Pages /Kids [] /Count 0 >>");
        var nested = new MemoryStream();
        var number = 4;
        var opening = "0 obj\n<< /Type /ObjStm /N 0 /First 0 >>\nstream\n";
        do
        {
            pdf.Register(number, nested.Length);
            nested.Write(Encoding.ASCII.GetBytes($"{number++} {opening}"));
        }
        while (pdf.Length + nested.Length + 64 + PdfBuilder.TailBytes(number + 1) <= size);

        nested.Write("\n3 0 obj\n<< /S /Launch /F (cmd.exe) >>\nendobj\nendstream\nendobj\n"u8);
        pdf.Raw(nested.ToArray());
        return pdf.Finish(root: 1);
    }

    /// <summary>
    /// As many tiny Flate streams without <c>/Type</c> as the size allows (each one a possible XFA packet that the
    /// checker must start to inflate), then a launch action: the cost of setting up a decoder, paid per stream.
    /// </summary>
    private static byte[] TinyStreams(int size)
    {
        var pdf = new PdfBuilder();
        pdf.Object(1, "<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>");
        pdf.Object(2, "<< /Type /Pages /Kids [] /Count 0 >>");
        pdf.Object(3, "<< /S /Launch /F (cmd.exe) >>");
        var data = Deflate("q Q"u8.ToArray());
        var body = new MemoryStream();
        var number = 4;
        while (pdf.Length + body.Length + 200 + (20 * (number + 1)) <= size)
        {
            pdf.Register(number, body.Length);
            body.Write(Encoding.ASCII.GetBytes($"{number++} 0 obj<</Filter/FlateDecode/Length {data.Length}>>stream\n"));
            body.Write(data);
            body.Write("\nendstream endobj\n"u8);
        }

        pdf.Raw(body.ToArray());
        return pdf.Finish(root: 1);
    }

    /// <summary>Groups objects into object streams of about <paramref name="limit"/> bytes (offsets increasing, as writers do).</summary>
    private static IEnumerable<(string Entries, byte[] Content)> ObjectStreams(List<(int Number, byte[] Body)> objects, int limit)
    {
        for (var start = 0; start < objects.Count;)
        {
            var header = new StringBuilder();
            var bodies = new MemoryStream();
            var count = 0;
            for (; start < objects.Count && (count == 0 || bodies.Length + header.Length < limit); start++, count++)
            {
                header.Append(CultureInfo.InvariantCulture, $"{objects[start].Number} {bodies.Length} ");
                bodies.Write(objects[start].Body);
                bodies.WriteByte((byte)'\n');
            }

            yield return ($"/Type /ObjStm /N {count} /First {header.Length}", Concat(Encoding.ASCII.GetBytes(header.ToString()), bodies.ToArray()));
        }
    }

    internal static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.SmallestSize))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Repeat(ReadOnlySpan<byte> unit, int count)
    {
        var result = new byte[unit.Length * Math.Max(0, count)];
        for (var at = 0; at < result.Length; at += unit.Length)
        {
            unit.CopyTo(result.AsSpan(at));
        }

        return result;
    }

    private static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        var at = 0;
        foreach (var part in parts)
        {
            part.CopyTo(result, at);
            at += part.Length;
        }

        return result;
    }

    /// <summary>A PDF written front to back: header, objects, a classic xref table of the top-level objects, trailer.</summary>
    internal sealed class PdfBuilder
    {
        private readonly ArrayBufferWriter<byte> _output = new();
        private readonly SortedDictionary<int, long> _offsets = [];

        public PdfBuilder() => Raw("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n"u8.ToArray());

        public long Length => _output.WrittenCount;

        /// <summary>About what <see cref="Finish"/> adds for <paramref name="count"/> top-level objects (an xref line each).</summary>
        public static int TailBytes(int count) => 160 + (20 * count);

        public void Raw(byte[] bytes) => _output.Write(bytes);

        /// <summary>Records that object <paramref name="number"/> starts <paramref name="relative"/> bytes after the current end.</summary>
        public void Register(int number, long relative) => _offsets[number] = Length + relative;

        public void Object(int number, string body)
        {
            _offsets[number] = Length;
            Raw(Encoding.ASCII.GetBytes($"{number} 0 obj\n{body}\nendobj\n"));
        }

        public void Stream(int number, string entries, byte[] data)
        {
            _offsets[number] = Length;
            Raw(Encoding.ASCII.GetBytes($"{number} 0 obj\n<< {entries} /Length {data.Length} >>\nstream\n"));
            Raw(data);
            Raw("\nendstream\nendobj\n"u8.ToArray());
        }

        /// <summary>The xref table and trailer (with <paramref name="trailer"/>'s entries too); the file.</summary>
        public byte[] Finish(int root, string trailer = "")
        {
            // One subsection per run of consecutive object numbers (objects in object streams have no line here).
            var size = _offsets.Count == 0 ? 1 : _offsets.Keys.Max() + 1;
            var xref = Length;
            var table = new StringBuilder("xref\n0 1\n0000000000 65535 f \n");
            var numbers = _offsets.Keys.ToList();
            for (var start = 0; start < numbers.Count;)
            {
                var end = start + 1;
                while (end < numbers.Count && numbers[end] == numbers[end - 1] + 1)
                {
                    end++;
                }

                table.Append(CultureInfo.InvariantCulture, $"{numbers[start]} {end - start}\n");
                for (; start < end; start++)
                {
                    table.Append(CultureInfo.InvariantCulture, $"{_offsets[numbers[start]]:D10} 00000 n \n");
                }
            }

            table.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {size} /Root {root} 0 R {trailer}>>\nstartxref\n{xref}\n%%EOF\n");
            Raw(Encoding.ASCII.GetBytes(table.ToString()));
            return _output.WrittenSpan.ToArray();
        }
    }
}
