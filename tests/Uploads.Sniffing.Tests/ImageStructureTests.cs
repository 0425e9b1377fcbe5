using System.Buffers.Binary;
using System.IO.Compression;
using Uploads.Adversarial;
using Uploads.Sniffing.Formats;
using Uploads.Testing;
using static Uploads.Adversarial.ContainerBytes;

namespace Uploads.Sniffing.Tests;

/// <summary>
/// Structure walks of images and RIFF files (docs/sniffing.md, "Files inside files: images and RIFF"): edge cases made
/// in code, each decided by range reads (<see cref="ContentSniffer.SniffAsync(Func{ByteRange, CancellationToken, ValueTask{ReadOnlyMemory{byte}}}, long, ActiveContentKinds, long, WorkBudget, CancellationToken)"/>)
/// and by the second stage fed 1 and 7 bytes at a time (every state crossing a chunk boundary); both must agree.
/// </summary>
public sealed class ImageStructureTests
{
    private static readonly byte[] TinyExe = MakeExe();

    [Fact]
    public async Task Png_Ordinary_Accepted()
    {
        var verdict = await DecideAsync(Png(10, 10));

        Assert.Equal(MediaTypes.Png, verdict.MediaType);
        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Png_ChunkLengthOverflow_Refused()
    {
        var png = Png(10, 10, PngChunk("tEXt", []));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(33), 0x80000000);

        var verdict = await DecideAsync(png);

        Assert.Contains("structure is damaged at offset 33", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Png_ChunkAfterIend_Refused()
    {
        var verdict = await DecideAsync([.. Png(10, 10), .. PngChunk("tEXt", "a\0b"u8.ToArray())]);

        Assert.Contains("data after the end of the PNG", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Png_ZeroPaddingWithinTolerance_Accepted()
    {
        var verdict = await DecideAsync([.. Png(10, 10), .. new byte[Carried.PaddingTolerance]]);

        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Png_ZeroPaddingBeyondTolerance_Refused()
    {
        var verdict = await DecideAsync([.. Png(10, 10), .. new byte[Carried.PaddingTolerance + 1]]);

        Assert.Contains("more than 4,096 bytes of padding after the end of the PNG", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Png_Truncated_Refused()
    {
        var png = Png(10, 10);

        var verdict = await DecideAsync(png[..^6]);

        Assert.Contains("ends at offset", verdict.Refusal, StringComparison.Ordinal);
        Assert.Contains("without the chunk IEND", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Png_PrivateChunkAtTheBound_Accepted()
    {
        var verdict = await DecideAsync(Png(10, 10, PngChunk("prVt", new byte[Carried.MaxUnknownBytes])));

        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Png_PrivateChunkOverTheBound_Refused()
    {
        var verdict = await DecideAsync(Png(10, 10, PngChunk("prVt", new byte[Carried.MaxUnknownBytes + 1])));

        Assert.Contains("16,385 bytes of data no PNG reader uses", verdict.Refusal, StringComparison.Ordinal);
        Assert.Contains("in the PNG chunk 'prVt' at offset 33", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Png_PrivateChunkHoldingAnExecutable_Refused()
    {
        var verdict = await DecideAsync(Png(10, 10, PngChunk("prVt", TinyExe)));

        Assert.Contains("a Windows executable in the PNG chunk 'prVt' at offset 33", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Png_ManyZeroLengthChunks_Accepted()
    {
        var chunks = Enumerable.Repeat(PngChunk("tEXt", []), 10_000).SelectMany(c => c).ToArray();

        var verdict = await DecideAsync(Png(10, 10, chunks));

        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Png_ZipEndRecordInATextChunkReachingTheEnd_Refused()
    {
        // A ZIP end record whose comment covers the IEND chunk: the file is a valid ZIP without data after IEND.
        var record = new byte[22];
        "PK\x05\x06"u8.CopyTo(record);
        record[8] = 1;
        record[10] = 1;
        record[12] = 46;
        record[20] = 4 + 12; // the comment: this chunk's CRC and the IEND chunk
        var png = Png(10, 10);
        var verdict = await DecideAsync([.. png[..^12], .. PngChunk("tEXt", [.. "k\0"u8, .. record]), .. png[^12..]]);

        Assert.Contains("a ZIP end-of-central-directory record", verdict.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1000, 1, null)]
    [InlineData(1001, 1, "1001×1 pixels (1,001) in its PNG header (IHDR), more than the 1,000 allowed")]
    public async Task Png_PixelLimit_AtTheLimitAcceptedAboveRefused(int width, int height, string? refusal)
    {
        var verdict = await DecideAsync(Png(width, height), maxPixels: 1000);

        Assert.Equal(refusal is null, verdict.Refusal is null);
        if (refusal is not null)
        {
            Assert.Contains(refusal, verdict.Refusal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Png_AnimationFrameOverTheLimit_Refused()
    {
        var fcTL = new byte[26];
        BinaryPrimitives.WriteUInt32BigEndian(fcTL.AsSpan(4), 40);
        BinaryPrimitives.WriteUInt32BigEndian(fcTL.AsSpan(8), 30);

        var verdict = await DecideAsync(Png(10, 10, PngChunk("fcTL", fcTL)), maxPixels: 1000);

        Assert.Contains("40×30 pixels (1,200) for animation frame 1 (the APNG chunk fcTL at offset 33)", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jpeg_Ordinary_Accepted()
    {
        var verdict = await DecideAsync(Jpeg(16, 16));

        Assert.Equal(MediaTypes.Jpeg, verdict.MediaType);
        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Jpeg_StuffingRestartMarkersAndFillBytesInEntropyData_Accepted()
    {
        var verdict = await DecideAsync(Jpeg(16, 16, entropy: [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD1, 0x78, 0xFF]));

        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Jpeg_SegmentAfterEntropyDataHoldingAnExecutable_Refused()
    {
        // A marker inside the entropy-coded data starts a segment: an APP9 there is walked like any other.
        byte[] app9 = [0xFF, 0xE9, .. Length16(TinyExe.Length + 2), .. TinyExe];

        var verdict = await DecideAsync(Jpeg(16, 16, entropy: [0x12, 0x34, .. app9, 0xFF, 0xDA, 0x00, 0x02, 0x55]));

        Assert.Contains("a Windows executable in the JPEG APP9 segment", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jpeg_UnknownAppSegmentOverTheBound_Refused()
    {
        var verdict = await DecideAsync(Jpeg(16, 16, segments: [0xFF, 0xE9, .. Length16(Carried.MaxUnknownBytes + 3), .. new byte[Carried.MaxUnknownBytes + 1]]));

        Assert.Contains("bytes of data no JPEG reader uses", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jpeg_CommentHoldingAWebPage_Refused()
    {
        var html = "<html><script>alert(1)</script></html>"u8.ToArray();

        var verdict = await DecideAsync(Jpeg(16, 16, segments: [0xFF, 0xFE, .. Length16(html.Length + 2), .. html]));

        Assert.Contains("a web page in the JPEG COM segment", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jpeg_DataAfterEoi_Refused()
    {
        var verdict = await DecideAsync([.. Jpeg(16, 16), .. "tail"u8]);

        Assert.Contains("data after the end of the JPEG", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jpeg_SecondImageTheMpfIndexPlacesAfterEoi_Accepted()
    {
        var second = Jpeg(8, 8);
        var primary = MpfJpeg(second.Length);

        var verdict = await DecideAsync([.. primary, .. second]);

        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Jpeg_ImageAfterEoiWithoutMpfIndex_Refused()
    {
        var verdict = await DecideAsync([.. Jpeg(16, 16), .. Jpeg(8, 8)]);

        Assert.Contains("after the end of the JPEG", verdict.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(40, 25, null)]
    [InlineData(41, 25, "41×25 pixels (1,025) in its frame header (SOF at offset")]
    public async Task Jpeg_PixelLimit_AtTheLimitAcceptedAboveRefused(int width, int height, string? refusal)
    {
        var verdict = await DecideAsync(Jpeg(width, height), maxPixels: 1000);

        Assert.Equal(refusal is null, verdict.Refusal is null);
        if (refusal is not null)
        {
            Assert.Contains(refusal, verdict.Refusal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Gif_SubBlockChainsAndExtensions_Accepted()
    {
        byte[] comment = [0x21, 0xFE, 3, (byte)'a', (byte)'b', (byte)'c', 2, (byte)'d', (byte)'e', 0];
        byte[] loop = [0x21, 0xFF, 11, .. "NETSCAPE2.0"u8, 3, 1, 0, 0, 0];

        var verdict = await DecideAsync(Gif(10, 10, [.. loop, .. comment, .. Frame(10, 10), .. Frame(5, 5)]));

        Assert.Equal(MediaTypes.Gif, verdict.MediaType);
        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Gif_UnknownApplicationExtensionOverTheBound_Refused()
    {
        var blocks = new List<byte> { 0x21, 0xFF, 11 };
        blocks.AddRange("EVILAPP1.0X"u8.ToArray());
        for (var i = 0; i < 70; i++)
        {
            blocks.Add(255);
            blocks.AddRange(new byte[255]);
        }

        blocks.Add(0);
        var verdict = await DecideAsync(Gif(10, 10, [.. blocks, .. Frame(10, 10)]));

        Assert.Contains("in the GIF application extension 'EVILAPP1.0X'", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gif_ExecutableInAnUnknownApplicationExtension_Refused()
    {
        byte[] extension = [0x21, 0xFF, 11, .. "EVILAPP1.0X"u8, 255, .. TinyExe[..255], 0];

        var verdict = await DecideAsync(Gif(10, 10, [.. extension, .. Frame(10, 10)]));

        Assert.Contains("a Windows executable in the GIF application extension 'EVILAPP1.0X'", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gif_ExecutableAsPlainText_Refused()
    {
        byte[] extension = [0x21, 0x01, 12, 0, 0, 0, 0, 8, 0, 8, 0, 8, 8, 0, 1, 255, .. TinyExe[..255], 3, (byte)'a', (byte)'b', (byte)'c', 0];

        var verdict = await DecideAsync(Gif(10, 10, [.. extension, .. Frame(10, 10)]));

        Assert.Contains("a Windows executable in the GIF plain text extension", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gif_PlainTextOfAnyLength_Accepted()
    {
        var text = new List<byte> { 0x21, 0x01, 12, 0, 0, 0, 0, 8, 0, 8, 0, 8, 8, 0, 1 };
        for (var i = 0; i < 100; i++)
        {
            text.Add(255);
            text.AddRange(Enumerable.Repeat((byte)'a', 255));
        }

        text.Add(0);
        var verdict = await DecideAsync(Gif(10, 10, [.. text, .. Frame(10, 10)]));

        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Gif_SecondFrameOverTheLimit_Refused()
    {
        var verdict = await DecideAsync(Gif(10, 10, [.. Frame(10, 10), .. Frame(40, 30)]), maxPixels: 1000);

        Assert.Contains("40×30 pixels (1,200) for frame 2 (the GIF image descriptor at offset", verdict.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1000, 1, null)]
    [InlineData(1001, 1, "for its logical screen")]
    public async Task Gif_ScreenPixelLimit_AtTheLimitAcceptedAboveRefused(int width, int height, string? refusal)
    {
        var verdict = await DecideAsync(Gif(width, height, Frame(1, 1)), maxPixels: 1000);

        Assert.Equal(refusal is null, verdict.Refusal is null);
        if (refusal is not null)
        {
            Assert.Contains(refusal, verdict.Refusal, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0x2A2F)]
    [InlineData(0x2F2F)]
    public async Task Gif_ScreenWidthOpeningAScriptComment_Refused(int width)
    {
        var verdict = await DecideAsync(Gif(width, 1, Frame(1, 1)));

        Assert.Contains("reads as JavaScript", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gif_DataAfterTrailer_Refused()
    {
        var verdict = await DecideAsync([.. Gif(10, 10, Frame(10, 10)), .. "*/=alert(1)"u8]);

        Assert.Contains("data after the end of the GIF", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebP_AnimationFrameOverTheLimit_Refused()
    {
        byte[] vp8x = [0x02, 0, 0, 0, .. U24(9), .. U24(9)];
        byte[] anim = new byte[6];
        byte[] anmf = [.. U24(0), .. U24(0), .. U24(39), .. U24(29), .. U24(100), 0];

        var verdict = await DecideAsync(WebP([.. RiffChunk("VP8X", vp8x), .. RiffChunk("ANIM", anim), .. RiffChunk("ANMF", anmf)]), maxPixels: 1000);

        Assert.Contains("40×30 pixels (1,200) for animation frame 1 (the WebP chunk ANMF", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebP_ExecutableInAChunkInsideAFrame_Refused()
    {
        byte[] vp8x = [0x02, 0, 0, 0, .. U24(9), .. U24(9)];
        byte[] anmf = [.. U24(0), .. U24(0), .. U24(9), .. U24(9), .. U24(100), 0, .. RiffChunk("PRVT", TinyExe)];

        var verdict = await DecideAsync(WebP([.. RiffChunk("VP8X", vp8x), .. RiffChunk("ANIM", new byte[6]), .. RiffChunk("ANMF", anmf)]));

        Assert.Contains("a Windows executable in the WebP chunk 'PRVT'", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebP_ChunkPastTheRiffSize_Refused()
    {
        byte[] vp8x = [0, 0, 0, 0, .. U24(9), .. U24(9)];
        var webp = WebP([.. RiffChunk("VP8X", vp8x), .. RiffChunk("EXIF", new byte[20])]);
        BinaryPrimitives.WriteUInt32LittleEndian(webp.AsSpan(4), (uint)(webp.Length - 8 - 10));

        var verdict = await DecideAsync(webp);

        Assert.Contains("does not fit in its RIFF chunk", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wav_Ordinary_Accepted()
    {
        var verdict = await DecideAsync(Wav());

        Assert.Equal(MediaTypes.Wav, verdict.MediaType);
        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Wav_DataAfterTheRiffChunk_Refused()
    {
        var verdict = await DecideAsync([.. Wav(), .. TinyExe]);

        Assert.Contains("a Windows executable after the end of the WAV", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wav_ZeroPaddingAfterTheRiffChunk_Accepted()
    {
        var verdict = await DecideAsync([.. Wav(), .. new byte[100]]);

        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Wav_Id3TagWithAFileObject_Refused()
    {
        byte[] frame = [.. "GEOB"u8, 0, 0, 0, 8, 0, 0, .. "12345678"u8];
        byte[] tag = [.. "ID3"u8, 3, 0, 0, 0, 0, 0, (byte)frame.Length, .. frame];

        var verdict = await DecideAsync(Wav(RiffChunk("id3 ", tag)));

        Assert.Contains("an embedded file in the ID3 frame 'GEOB'", verdict.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wav_Id3TagWithText_Accepted()
    {
        byte[] frame = [.. "TIT2"u8, 0, 0, 0, 4, 0, 0, 0, .. "abc"u8];
        byte[] tag = [.. "ID3"u8, 3, 0, 0, 0, 0, 0, (byte)frame.Length, .. frame];

        var verdict = await DecideAsync(Wav(RiffChunk("id3 ", tag)));

        Assert.Null(verdict.Refusal);
    }

    [Fact]
    public async Task Wav_RiffSizeLongerThanTheFile_Refused()
    {
        var wav = Wav(RiffChunk("LIST", new byte[40]));

        var verdict = await DecideAsync(wav[..^20]);

        Assert.Contains("ends at offset", verdict.Refusal, StringComparison.Ordinal);
    }

    /// <summary>
    /// The producers' images, WAVs and AVIs and the carriers, mutated (<see cref="CostFuzzer.Mutate"/>) and fed to the
    /// second stage in random chunk sizes: never an exception ("could not be analysed"), and the same verdict in any chunking.
    /// </summary>
    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void Write_MutatedImages_NeverFailsAndChunkingDoesNotMatter(int seed)
    {
        var random = new Random(seed);
        var seeds = FixtureSet.Entries(FixtureSet.Producers).Concat(FixtureSet.Entries(FixtureSet.Carriers))
            .Where(e => e.File.StartsWith("images-", StringComparison.Ordinal)).Select(e => e.Read()).ToArray();
        for (var i = 0; i < 1500; i++)
        {
            var mutant = CostFuzzer.Mutate(seeds[random.Next(seeds.Length)], seeds, random);
            var whole = Streamed(mutant, Math.Max(1, mutant.Length), ImagePixels.DefaultMax);
            var pieces = Streamed(mutant, 1 + random.Next(300), ImagePixels.DefaultMax);

            Assert.NotEqual("The file could not be analysed.", whole.Refusal);
            Assert.Equal(whole, pieces);
        }
    }

    /// <summary>Decides by range reads and by the second stage fed 1 and 7 bytes at a time; all three must agree.</summary>
    private static async Task<SniffOutcome.Detected> DecideAsync(byte[] file, long maxPixels = ImagePixels.DefaultMax)
    {
        var random = await ContentSniffer.SniffAsync(
            (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(file.AsMemory((int)range.Offset, range.Length)),
            file.Length,
            ActiveContentKinds.None,
            maxPixels);
        foreach (var chunk in new[] { 1, 7 })
        {
            var streamed = Streamed(file, chunk, maxPixels);
            Assert.Equal(random.MediaType, streamed.MediaType);
            Assert.Equal(random.Refusal, streamed.Refusal);
        }

        return random;
    }

    private static SniffOutcome.Detected Streamed(byte[] file, int chunk, long maxPixels)
    {
        var input = new SniffInput(file.Length);
        SniffOutcome outcome;
        while ((outcome = ContentSniffer.Evaluate(input)) is SniffOutcome.NeedBytes need)
        {
            var offset = need.Range.IsTail ? file.Length - need.Range.Length : need.Range.Offset;
            input.Add(offset, file.AsMemory((int)offset, need.Range.Length));
        }

        var detected = (SniffOutcome.Detected)outcome;
        if (ActiveContentScanner.For(detected, ActiveContentKinds.None, input.Budget, maxPixels) is not { } scanner)
        {
            return detected;
        }

        for (var at = 0; at < file.Length; at += chunk)
        {
            scanner.Write(file.AsSpan(at, Math.Min(chunk, file.Length - at)));
        }

        return scanner.Complete();
    }

    private static byte[] Png(int width, int height, byte[]? chunks = null)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = 8;
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(new byte[(width + 1) * Math.Min(height, 4)]);
        }

        return [0x89, .. "PNG\r\n\x1a\n"u8, .. PngChunk("IHDR", ihdr), .. chunks ?? [], .. PngChunk("IDAT", compressed.ToArray()), .. PngChunk("IEND", [])];
    }

    private static byte[] Jpeg(int width, int height, byte[]? segments = null, byte[]? entropy = null)
    {
        byte[] app0 = [0xFF, 0xE0, 0, 16, .. "JFIF\0"u8, 1, 1, 0, 0, 1, 0, 1, 0, 0];
        byte[] sof = [0xFF, 0xC0, 0, 11, 8, .. Length16(height), .. Length16(width), 1, 1, 0x11, 0];
        byte[] sos = [0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0];
        return [0xFF, 0xD8, .. app0, .. segments ?? [], .. sof, .. sos, .. entropy ?? [0x12, 0x34], 0xFF, 0xD9];
    }

    /// <summary>A JPEG whose APP2 MPF index lists a second image of <paramref name="secondLength"/> bytes right after its EOI.</summary>
    private static byte[] MpfJpeg(int secondLength)
    {
        // MPF payload: "MPF\0", TIFF header (II*\0, IFD at 8), IFD with 2 entries: B001 count, B002 MP entries (2 × 16 bytes at 38).
        var tiff = new byte[8 + 2 + (2 * 12) + 4 + 32];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(10), 0xB001);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(12), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(14), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(18), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(22), 0xB002);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(24), 7);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(26), 32);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(30), 38);
        byte[] app2 = [0xFF, 0xE2, .. Length16(2 + 4 + tiff.Length), .. "MPF\0"u8, .. tiff];
        var primary = Jpeg(16, 16, segments: app2);

        // The second entry: its size and its offset from the TIFF header (which starts after SOI, APP0, the APP2 marker, length and "MPF\0").
        var tiffAt = 2 + 18 + 4 + 4;
        var entry = primary.AsSpan(tiffAt + 38 + 16);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], (uint)secondLength);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], (uint)(primary.Length - tiffAt));
        return primary;
    }

    private static byte[] Gif(int width, int height, byte[] blocks) =>
        [.. "GIF89a"u8, .. U16(width), .. U16(height), 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, .. blocks, 0x3B];

    private static byte[] Frame(int width, int height) =>
        [0x2C, 0, 0, 0, 0, .. U16(width), .. U16(height), 0, 2, 2, 0x44, 0x01, 0];

    private static byte[] WebP(byte[] chunks)
    {
        byte[] webp = [.. "RIFF"u8, 0, 0, 0, 0, .. "WEBP"u8, .. chunks];
        BinaryPrimitives.WriteUInt32LittleEndian(webp.AsSpan(4), (uint)(webp.Length - 8));
        return webp;
    }

    private static byte[] Wav(byte[]? extra = null)
    {
        byte[] fmt = [1, 0, 1, 0, 0x40, 0x1F, 0, 0, 0x80, 0x3E, 0, 0, 2, 0, 16, 0];
        byte[] wav = [.. "RIFF"u8, 0, 0, 0, 0, .. "WAVE"u8, .. RiffChunk("fmt ", fmt), .. RiffChunk("data", new byte[200]), .. extra ?? []];
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(4), (uint)(wav.Length - 8));
        return wav;
    }

    private static byte[] Length16(int value) => [(byte)(value >> 8), (byte)value];

    private static byte[] U16(int value) => [(byte)value, (byte)(value >> 8)];

    private static byte[] U24(int value) => [(byte)value, (byte)(value >> 8), (byte)(value >> 16)];
}
