using Uploads.Testing;

namespace Uploads.Sniffing.Tests.Streaming;

/// <summary>The one-pass sniffer of direct uploads agrees with the random-access sniffer on every corpus file.</summary>
public sealed class StreamingSnifferTests
{
    private static readonly string CorpusDirectory = TestFixtures.CorpusDirectory;

    public static TheoryData<string> CorpusFiles() => [.. CorpusManifest.CorpusFiles];

    private static SniffOutcome.Detected Stream(byte[] content, int chunk)
    {
        var sniffer = new StreamingSniffer();
        for (var offset = 0; offset < content.Length; offset += chunk)
        {
            sniffer.Observe(content.AsSpan(offset, Math.Min(chunk, content.Length - offset)));
        }

        return sniffer.Complete();
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public async Task Complete_CorpusFileInChunks_SameVerdictAsRandomAccess(string file)
    {
        await AssertStreamedAsRandomAccessAsync(Path.Combine(CorpusDirectory, file), sameReason: false);
    }

    /// <summary>Streamed in chunks of 1000 B, 16 KiB and 1 MiB, the file gets the random-access verdict (and, with <paramref name="sameReason"/>, the same refusal text).</summary>
    private static async Task AssertStreamedAsRandomAccessAsync(string path, bool sameReason)
    {
        var content = await File.ReadAllBytesAsync(path);
        var expected = await ContentSniffer.SniffAsync((range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(content.AsMemory((int)range.Offset, range.Length)), content.Length);

        foreach (var chunk in new[] { 1000, 16 * 1024, 1024 * 1024 })
        {
            var streamed = Stream(content, chunk);
            Assert.Equal(expected.MediaType, streamed.MediaType);
            Assert.Equal(expected.Refusal is null, streamed.Refusal is null);
            if (sameReason)
            {
                Assert.Equal(expected.Refusal, streamed.Refusal);
            }
        }
    }

    private static readonly string ActiveDirectory = TestFixtures.ActiveContentDirectory;

    public static TheoryData<string> ActiveFiles() => [.. CorpusManifest.ActiveContentFiles];

    [Theory]
    [MemberData(nameof(ActiveFiles))]
    public async Task Complete_ActiveContentFileInChunks_SameVerdictAsRandomAccess(string file)
    {
        await AssertStreamedAsRandomAccessAsync(Path.Combine(ActiveDirectory, file), sameReason: true);
    }

    private static SniffOutcome.Detected StreamUnaligned(byte[] content, int first, int chunk)
    {
        var sniffer = new StreamingSniffer();
        sniffer.Observe(content.AsSpan(0, first));
        for (var offset = first; offset < content.Length; offset += chunk)
        {
            sniffer.Observe(content.AsSpan(offset, Math.Min(chunk, content.Length - offset)));
        }

        return sniffer.Complete();
    }

    [Theory]
    [InlineData(1000, 1000)]
    [InlineData(1000, 4096)]
    [InlineData(4096, 4096)]
    [InlineData(65_000, 16_384)]
    public async Task Complete_LargeBenignSvgUnalignedChunks_AcceptedAsSvg(int first, int chunk)
    {
        var svg = new System.Text.StringBuilder("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\">\n");
        for (var i = 0; svg.Length < 2_000_000; i++)
        {
            svg.Append(System.Globalization.CultureInfo.InvariantCulture, $"<rect x=\"{i % 100}\" y=\"{i % 97}\" width=\"1\" height=\"1\" fill=\"#{i % 4096:x3}\"/>\n");
        }

        svg.Append("</svg>\n");

        var content = System.Text.Encoding.UTF8.GetBytes(svg.ToString());
        var verdict = StreamUnaligned(content, first, chunk);
        var randomAccess = await ContentSniffer.SniffAsync((range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(content.AsMemory((int)range.Offset, range.Length)), content.Length);

        Assert.Equal("image/svg+xml", verdict.MediaType);
        Assert.Null(verdict.Refusal);
        Assert.Equal("image/svg+xml", randomAccess.MediaType);
        Assert.Null(randomAccess.Refusal);
    }

    [Theory]
    [InlineData(65_530, 1000, 4096)]
    [InlineData(66_000, 1000, 1000)]
    [InlineData(65_536, 4096, 4096)]
    [InlineData(300_000, 1000, 4096)]
    public async Task Complete_Mp3WithId3TagNearTheHeadBoundary_AcceptedAsMpeg(int tagBytes, int first, int chunk)
    {
        var plain = await File.ReadAllBytesAsync(Path.Combine(CorpusDirectory, "audio-cbr.mp3"));
        var header = new byte[10];
        "ID3"u8.CopyTo(header);
        header[3] = 3;
        var size = tagBytes - 10;
        header[6] = (byte)((size >> 21) & 0x7f);
        header[7] = (byte)((size >> 14) & 0x7f);
        header[8] = (byte)((size >> 7) & 0x7f);
        header[9] = (byte)(size & 0x7f);
        var content = header.Concat(new byte[size]).Concat(Enumerable.Repeat(plain, 3_000_000 / plain.Length + 1).SelectMany(b => b)).ToArray();

        var verdict = StreamUnaligned(content, first, chunk);

        Assert.Equal("audio/mpeg", verdict.MediaType);
        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Observe_PdfHeadOfLargeFile_DecidedBeforeTheEnd()
    {
        var pdf = await File.ReadAllBytesAsync(Path.Combine(CorpusDirectory, "document.pdf"));
        var sniffer = new StreamingSniffer();
        var content = new byte[8 * 1024 * 1024];
        pdf.AsSpan(0, Math.Min(pdf.Length, 4096)).CopyTo(content);

        sniffer.Observe(content.AsSpan(0, ContentSniffer.HeadBytes));

        Assert.Equal("application/pdf", sniffer.Result?.MediaType);
    }

    [Fact]
    public async Task Observe_Mp3WithLargeId3Tag_CapturesTheFrameRangeAsItPasses()
    {
        var tagged = await File.ReadAllBytesAsync(Path.Combine(CorpusDirectory, "audio-id3-400k.mp3"));
        // ID3v2 size: four 7-bit bytes after the 10-byte header. Repeat the audio frames so the file goes on well
        // past the range the sniffer asks for after the tag.
        var tagEnd = 10 + (tagged[6] << 21 | tagged[7] << 14 | tagged[8] << 7 | tagged[9]);
        var frames = tagged[tagEnd..];
        var mp3 = tagged.Concat(Enumerable.Repeat(frames, 20).SelectMany(f => f)).ToArray();
        var sniffer = new StreamingSniffer();

        for (var offset = 0; offset < mp3.Length; offset += 8192)
        {
            sniffer.Observe(mp3.AsSpan(offset, Math.Min(8192, mp3.Length - offset)));
        }

        // The verdict needs the end too (nothing may follow the last frame: docs/sniffing.md, "Files inside files: audio and video").
        var verdict = sniffer.Complete();
        Assert.Equal("audio/mpeg", verdict.MediaType);
        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public void Complete_ZipWhoseTypeDeclarationWentByUnkept_RefusedAsUnverifiable()
    {
        // A DOCX-like ZIP with [Content_Types].xml in the middle of a file larger than what is kept of an archive
        // (and than the tail): the only verdict a single pass can give is "could not verify".
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            var filler = new byte[3 * 1024 * 1024];
            Random.Shared.NextBytes(filler);
            using (var entry = zip.CreateEntry("word/media/a.bin", System.IO.Compression.CompressionLevel.NoCompression).Open())
            {
                for (var written = 0; written <= StreamingSniffer.MaxKeptArchiveBytes; written += filler.Length)
                {
                    entry.Write(filler);
                }
            }

            using (var writer = new StreamWriter(zip.CreateEntry("[Content_Types].xml").Open()))
            {
                writer.Write("""<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>""");
            }

            using (var entry = zip.CreateEntry("word/media/b.bin", System.IO.Compression.CompressionLevel.NoCompression).Open())
            {
                entry.Write(filler);
            }

            using (var writer = new StreamWriter(zip.CreateEntry("word/document.xml").Open()))
            {
                writer.Write("<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"/>");
            }
        }

        var verdict = Stream(buffer.ToArray(), 64 * 1024);

        Assert.NotNull(verdict.Refusal);
    }
}

/// <summary>A DOCX larger than the tail window: its parts have gone by when the central directory tells where they are.</summary>
public sealed class StreamingSnifferArchiveTests
{
    private static byte[] Docx(string documentXml, int mediaBytes)
    {
        using var output = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(output, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] content, System.IO.Compression.CompressionLevel level = System.IO.Compression.CompressionLevel.Optimal)
            {
                using var stream = archive.CreateEntry(name, level).Open();
                stream.Write(content);
            }

            Add("[Content_Types].xml", System.Text.Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"));
            Add("word/document.xml", System.Text.Encoding.UTF8.GetBytes($"<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{documentXml}</w:body></w:document>"));
            var media = new byte[mediaBytes];
            new Random(7).NextBytes(media);
            Add("word/media/image1.jpeg", media, System.IO.Compression.CompressionLevel.NoCompression);
            const string Relationships = "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">";
            Add("_rels/.rels", System.Text.Encoding.UTF8.GetBytes(Relationships + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>"));
            Add("word/_rels/document.xml.rels", System.Text.Encoding.UTF8.GetBytes(Relationships + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/image1.jpeg\"/></Relationships>"));
        }

        return output.ToArray();
    }

    private static SniffOutcome.Detected Stream(byte[] content)
    {
        using var sniffer = new StreamingSniffer();
        for (var offset = 0; offset < content.Length; offset += 16 * 1024)
        {
            sniffer.Observe(content.AsSpan(offset, Math.Min(16 * 1024, content.Length - offset)));
        }

        return sniffer.Complete();
    }

    [Fact]
    public void Complete_DocxWithDdeFieldBeforeThreeMegabytesOfMedia_RefusedForTheField()
    {
        var docx = Docx("<w:p><w:fldSimple w:instr=\" DDEAUTO cmd.exe &quot;/k calc&quot; \"/></w:p>", 3 * 1024 * 1024);

        var detected = Stream(docx);

        Assert.Equal(MediaTypes.Docx, detected.MediaType);
        Assert.Contains("DDEAUTO field", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Complete_CleanDocxBeforeThreeMegabytesOfMedia_Accepted()
    {
        var docx = Docx("<w:p><w:r><w:t>Report</w:t></w:r></w:p>", 3 * 1024 * 1024);

        var detected = Stream(docx);

        Assert.Equal(MediaTypes.Docx, detected.MediaType);
        Assert.Null(detected.Refusal);
    }
}
