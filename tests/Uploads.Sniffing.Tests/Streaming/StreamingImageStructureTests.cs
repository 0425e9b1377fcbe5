using System.Buffers.Binary;
using static Uploads.Adversarial.ContainerBytes;

namespace Uploads.Sniffing.Tests.Streaming;

/// <summary>
/// Structure walks of images and WAVs larger than the head on the direct-upload path (docs/sniffing.md, "Files inside
/// files: images and RIFF"): the image walked as it streams, a WAV's chunks after its data captured as they pass and its
/// end decided once the stream ends; the same verdict as the random-access path; the pixel limit from the init property.
/// </summary>
public sealed class StreamingImageStructureTests
{
    private static readonly byte[] TinyExe = MakeExe();

    [Fact]
    public async Task Complete_LargePng_AcceptedOnBothPaths()
    {
        var png = Png(2000, 1000, 300_000);

        await AssertBothAsync(png, refusal: null);
    }

    [Fact]
    public async Task Complete_LargePngFollowedByAZip_RefusedOnBothPaths()
    {
        byte[] zip = [.. "PK\x03\x04"u8, .. new byte[100]];

        await AssertBothAsync([.. Png(2000, 1000, 300_000), .. zip], "a ZIP archive after the end of the PNG");
    }

    [Theory]
    [InlineData(2_000_000, null)]
    [InlineData(1_999_999, "2000×1000 pixels (2,000,000) in its PNG header (IHDR), more than the 1,999,999 allowed")]
    public async Task Complete_PixelLimitFromTheSetting_AppliedOnBothPaths(long maxPixels, string? refusal)
    {
        await AssertBothAsync(Png(2000, 1000, 100_000), refusal, maxPixels);
    }

    [Fact]
    public async Task Complete_WavWithAnExecutableChunkAfterLargeData_RefusedOnBothPaths()
    {
        var wav = Wav(3_000_000, RiffChunk("prvt", TinyExe));

        await AssertBothAsync(wav, "a Windows executable in the WAV chunk 'prvt'");
    }

    [Fact]
    public async Task Complete_WavWithListChunkAfterLargeData_AcceptedOnBothPaths()
    {
        var wav = Wav(3_000_000, RiffChunk("LIST", [.. "INFOINAM"u8, 4, 0, 0, 0, .. "abc\0"u8]));

        await AssertBothAsync(wav, refusal: null);
    }

    [Fact]
    public async Task Complete_WavFollowedByData_RefusedOnBothPaths()
    {
        await AssertBothAsync([.. Wav(3_000_000, []), .. TinyExe], "a Windows executable after the end of the WAV");
    }

    private static async Task AssertBothAsync(byte[] file, string? refusal, long maxPixels = ImagePixels.DefaultMax)
    {
        var random = await ContentSniffer.SniffAsync(
            (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(file.AsMemory((int)range.Offset, range.Length)),
            file.Length,
            ActiveContentKinds.None,
            maxPixels);
        using var sniffer = new StreamingSniffer() { MaxImagePixels = maxPixels };
        for (var offset = 0; offset < file.Length; offset += 65_000)
        {
            sniffer.Observe(file.AsSpan(offset, Math.Min(65_000, file.Length - offset)));
        }

        var streamed = sniffer.Complete();

        Assert.Equal(random.Refusal, streamed.Refusal);
        Assert.Equal(random.MediaType, streamed.MediaType);
        if (refusal is null)
        {
            Assert.Null(streamed.Refusal);
        }
        else
        {
            Assert.Contains(refusal, streamed.Refusal, StringComparison.Ordinal);
        }
    }

    /// <summary>A PNG whose IDAT holds <paramref name="dataBytes"/> bytes (not decoded by the walk).</summary>
    private static byte[] Png(int width, int height, int dataBytes)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = 8;
        var idat = new byte[dataBytes];
        new Random(1).NextBytes(idat);
        return [0x89, .. "PNG\r\n\x1a\n"u8, .. PngChunk("IHDR", ihdr), .. PngChunk("IDAT", idat), .. PngChunk("IEND", [])];
    }

    private static byte[] Wav(int dataBytes, byte[] after)
    {
        byte[] fmt = [1, 0, 1, 0, 0x40, 0x1F, 0, 0, 0x80, 0x3E, 0, 0, 2, 0, 16, 0];
        byte[] wav = [.. "RIFF"u8, 0, 0, 0, 0, .. "WAVE"u8, .. RiffChunk("fmt ", fmt), .. RiffChunk("data", new byte[dataBytes]), .. after];
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(4), (uint)(wav.Length - 8));
        return wav;
    }
}
