using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Uploads.Benchmarks.Support;
using Uploads.Policy;
using Uploads.Sniffing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--active-content-cost</c>: what the active-content checks cost per verification, in process (the sniffer's
/// random-access loop over an in-memory file, as the verifier drives it with storage range reads): bytes read, range
/// reads, CPU time and managed allocations, for PDF and DOCX documents of 1, 10 and 100 MB and SVGs up to their 4 MiB
/// limit. The PDFs are built like real large ones (JPEG image streams, Flate content streams, an object stream, an
/// xref table); the DOCX files hold a document part and stored media. Options: <c>--sizes</c>, <c>--repeat 3</c>.
/// </summary>
internal static class ActiveContentCost
{
    private const int MiB = (int)ByteSize.MiB;

    public static async Task<int> RunAsync(Args args)
    {
        var sizes = args.Get("--sizes") is { } s ? s.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray() : [MiB, 10 * MiB, 100 * MiB];
        var repeat = int.Parse(args.Get("--repeat") ?? "3", CultureInfo.InvariantCulture);
        Console.WriteLine($"Active-content checks per verification (ContentSniffer.SniffAsync over memory, median of {repeat}; CPU is the process's processor time, the sniffer running synchronously).");
        Console.WriteLine();
        Console.WriteLine("| file | size (bytes) | verdict | bytes read | range reads | CPU ms | allocated MB |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|");
        await MeasureAsync("warm-up", Pdf(MiB), 1, print: false).ConfigureAwait(false);
        foreach (var size in sizes)
        {
            await MeasureAsync("PDF (images, content streams, object stream)", Pdf(size), repeat, print: true).ConfigureAwait(false);
        }

        foreach (var size in sizes)
        {
            await MeasureAsync("DOCX (document part + stored media)", Docx(size), repeat, print: true).ConfigureAwait(false);
        }

        foreach (var size in new[] { MiB, ContentSniffer.MaxSvgBytes - 1024 })
        {
            await MeasureAsync("SVG (paths, fragment references)", Svg(size), repeat, print: true).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task MeasureAsync(string label, byte[] file, int repeat, bool print)
    {
        var cpu = new List<double>();
        var allocated = new List<long>();
        long bytesRead = 0;
        var reads = 0;
        SniffOutcome.Detected? verdict = null;
        for (var i = 0; i < repeat; i++)
        {
            bytesRead = 0;
            reads = 0;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var cpuBefore = ThreadCpu();
            verdict = await ContentSniffer.SniffAsync(
                (range, _) =>
                {
                    bytesRead += range.Length;
                    reads++;
                    return ValueTask.FromResult<ReadOnlyMemory<byte>>(file.AsMemory((int)range.Offset, range.Length));
                },
                file.Length).ConfigureAwait(false);
            cpu.Add((ThreadCpu() - cpuBefore).TotalMilliseconds);
            allocated.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        if (print)
        {
            var outcome = verdict!.Refusal is null ? "accepted" : "refused: " + verdict.Refusal[..Math.Min(60, verdict.Refusal.Length)];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {file.Length} | {outcome} | {bytesRead} | {reads} | {cpu.Order().ElementAt(cpu.Count / 2):F0} | {allocated.Order().ElementAt(allocated.Count / 2) / (double)MiB:F1} |"));
        }
    }

    private static TimeSpan ThreadCpu()
    {
        // The sniffer runs synchronously on this thread (the source completes at once).
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>A PDF of about <paramref name="size"/> bytes: per MiB three 256 KiB JPEG streams and 48 compressed content streams, one object stream, a classic xref.</summary>
    private static byte[] Pdf(int size)
    {
        var random = new Random(size);
        using var pdf = new MemoryStream();
        var offsets = new List<long>();
        void Object(string head, byte[]? stream = null)
        {
            offsets.Add(pdf.Position);
            var text = Encoding.ASCII.GetBytes($"{offsets.Count} 0 obj\n{head}\n");
            pdf.Write(text);
            if (stream is not null)
            {
                pdf.Write("stream\n"u8);
                pdf.Write(stream);
                pdf.Write("\nendstream\n"u8);
            }

            pdf.Write("endobj\n"u8);
        }

        pdf.Write("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"u8);
        Object("<< /Type /Catalog /Pages 2 0 R >>");
        Object("<< /Type /Pages /Kids [] /Count 0 >>");
        var objects = new StringBuilder();
        var header = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            header.Append(CultureInfo.InvariantCulture, $"{1000 + i} {objects.Length} ");
            objects.Append(CultureInfo.InvariantCulture, $"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://example.com/{i}) >> >>\n");
        }

        var objStm = Deflate(Encoding.ASCII.GetBytes(header.ToString() + objects));
        Object($"<< /Type /ObjStm /N 200 /First {header.Length} /Filter /FlateDecode /Length {objStm.Length} >>", objStm);
        var image = new byte[256 * 1024];
        while (pdf.Length < size - (64 * 1024))
        {
            random.NextBytes(image);
            Object($"<< /Type /XObject /Subtype /Image /Width 512 /Height 512 /BitsPerComponent 8 /ColorSpace /DeviceRGB /Filter /DCTDecode /Length {image.Length} >>", image);
            for (var c = 0; c < 16 && pdf.Length < size - (64 * 1024); c++)
            {
                var content = Deflate(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(l => $"BT /F1 10 Tf 72 {l} Td (Line {l} of a report page with some text) Tj ET\n"))));
                Object($"<< /Length {content.Length} /Filter /FlateDecode >>", content);
            }
        }

        var xref = pdf.Position;
        var table = new StringBuilder($"xref\n0 {offsets.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            table.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }

        table.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {offsets.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        pdf.Write(Encoding.ASCII.GetBytes(table.ToString()));
        return pdf.ToArray();
    }

    private static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>A DOCX of about <paramref name="size"/> bytes: a document part of 1/20 of the size in text paragraphs, the rest stored JPEG-like media.</summary>
    private static byte[] Docx(int size)
    {
        var random = new Random(size);
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] data, CompressionLevel level)
            {
                using var stream = zip.CreateEntry(name, level).Open();
                stream.Write(data);
            }

            Add("[Content_Types].xml", Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"), CompressionLevel.Optimal);
            Add("_rels/.rels", Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>"), CompressionLevel.Optimal);
            var body = new StringBuilder("<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>");
            var words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".Split(' ');
            while (body.Length < size / 20)
            {
                body.Append("<w:p><w:r><w:t>");
                for (var w = 0; w < 40; w++)
                {
                    body.Append(words[random.Next(words.Length)]).Append(' ');
                }

                body.Append("</w:t></w:r></w:p>");
            }

            Add("word/document.xml", Encoding.UTF8.GetBytes(body.Append("</w:body></w:document>").ToString()), CompressionLevel.Optimal);
            var media = new byte[512 * 1024];
            var images = new StringBuilder("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
            for (var i = 0; output.Length < size - media.Length; i++)
            {
                random.NextBytes(media);
                Add($"word/media/image{i}.jpeg", media, CompressionLevel.NoCompression);
                images.Append(CultureInfo.InvariantCulture, $"<Relationship Id=\"rId{i + 1}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/image{i}.jpeg\"/>");
            }

            // Every part referred to: a part nothing refers to is refused (docs/sniffing.md, "Package parts").
            Add("word/_rels/document.xml.rels", Encoding.UTF8.GetBytes(images.Append("</Relationships>").ToString()), CompressionLevel.Optimal);
        }

        return output.ToArray();
    }

    private static byte[] Svg(int size)
    {
        var svg = new StringBuilder("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"0 0 1000 1000\"><defs><linearGradient id=\"g\"/></defs>\n");
        for (var i = 0; svg.Length < size - 200; i++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"M{i % 1000} 0 L{i % 997} 1000 Z\" style=\"fill:url(#g);stroke:#000\"/><use href=\"#g\"/>\n");
        }

        return Encoding.UTF8.GetBytes(svg.Append("</svg>\n").ToString());
    }
}
