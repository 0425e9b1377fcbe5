using System.Buffers.Binary;
using System.Text;
using Uploads.Sniffing;

namespace Uploads.Sniffing.Tests.Bounded;

/// <summary>
/// The type checks of the other formats charge the budget in every loop (elements, chunks, boxes, pages, frames,
/// segments, bytes): each file below makes its parser loop as often as its bounds allow, and is still detected as
/// before, at a cost that is charged (at least the loop's count) and small.
/// </summary>
public sealed class FormatsCostTests
{
    public static TheoryData<string> Files() => ["jpeg-fill-bytes", "ogg-largest-pages", "text-head", "wave-junk-chunks", "ebml-void-elements", "mp4-compatible-brands", "mp3-tag-padding"];

    [Theory]
    [MemberData(nameof(Files))]
    public void Evaluate_ParserLoopingToItsBound_SameTypeAndEveryStepCharged(string name)
    {
        var (bytes, type, leastCharged) = Make(name);
        var input = new SniffInput(bytes.Length);
        input.Add(0, bytes);

        var detected = Assert.IsType<SniffOutcome.Detected>(ContentSniffer.Evaluate(input));

        Assert.Equal(type, detected.MediaType);
        Assert.Null(detected.Refusal);
        Assert.True(input.Budget.Spent >= leastCharged, $"{name}: spent {input.Budget.Spent}, its loops alone cost {leastCharged}");
        Assert.True(input.Budget.Spent < WorkBudget.BaseUnits / 16, $"{name}: spent {input.Budget.Spent}");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Evaluate_BudgetSmallerThanTheLoop_RefusedNotAccepted(string name)
    {
        var (bytes, _, leastCharged) = Make(name);
        var input = new SniffInput(bytes.Length) { Budget = new WorkBudget(leastCharged / 2, WorkBudget.DefaultTimeLimit) };
        input.Add(0, bytes);

        var detected = Assert.IsType<SniffOutcome.Detected>(ContentSniffer.Evaluate(input));

        Assert.Equal(MediaTypes.OctetStream, detected.MediaType);
        Assert.NotNull(detected.Refusal);
        Assert.True(input.Budget.IsSpent);
    }

    /// <summary>The file, the type it is detected as, and the least its parser's loops charge.</summary>
    private static (byte[] Bytes, string Type, long LeastCharged) Make(string name) => name switch
    {
        "jpeg-fill-bytes" => JpegFillBytes(),
        "ogg-largest-pages" => OggLargestPages(),
        "text-head" => (Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("plain text line\n", ContentSniffer.HeadBytes / 16))), MediaTypes.PlainText, ContentSniffer.HeadBytes),
        "wave-junk-chunks" => WaveJunkChunks(),
        "ebml-void-elements" => EbmlVoidElements(),
        "mp4-compatible-brands" => Mp4CompatibleBrands(),
        "mp3-tag-padding" => Mp3TagPadding(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>SOI, then the head filled with fill bytes (0xFF) before a frame header: one step per byte.</summary>
    private static (byte[], string, long) JpegFillBytes()
    {
        var bytes = new byte[ContentSniffer.HeadBytes + 1024];
        bytes.AsSpan().Fill(0xFF);
        bytes[1] = 0xD8;
        var sof = ContentSniffer.HeadBytes - 64;
        bytes[sof + 1] = 0xC0;
        bytes[sof + 2] = 0x00;
        bytes[sof + 3] = 0x11;
        return (bytes, MediaTypes.Jpeg, sof - 2);
    }

    /// <summary>Sixteen beginning-of-stream pages of the largest size (255 segments of 255 bytes), each CRC-checked; the last ends its stream.</summary>
    private static (byte[], string, long) OggLargestPages()
    {
        using var file = new MemoryStream();
        for (var page = 0; page < 16; page++)
        {
            var body = new byte[255 * 255];
            "OpusHead"u8.CopyTo(body);
            var bytes = new byte[27 + 255 + body.Length];
            "OggS"u8.CopyTo(bytes);
            // Beginning of stream; the last page also ends one (nothing may follow it: docs/sniffing.md, "Files inside files: audio and video").
            bytes[5] = (byte)(page == 15 ? 0x06 : 0x02);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(14), (uint)page + 1);
            bytes[26] = 255;
            bytes.AsSpan(27, 255).Fill(255);
            body.CopyTo(bytes, 27 + 255);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(22), OggCrc(bytes));
            file.Write(bytes);
        }

        var all = file.ToArray();
        return (all, MediaTypes.Ogg, all.Length);
    }

    /// <summary>63 empty JUNK chunks before the format chunk: one step per chunk.</summary>
    private static (byte[], string, long) WaveJunkChunks()
    {
        using var file = new MemoryStream();
        file.Write("RIFF\0\0\0\0WAVE"u8);
        for (var i = 0; i < 63; i++)
        {
            file.Write("JUNK\0\0\0\0"u8);
        }

        file.Write("fmt \x10\0\0\0"u8);
        file.Write([1, 0, 2, 0, 0x44, 0xAC, 0, 0, 0x10, 0xB1, 2, 0, 4, 0, 16, 0]);
        var bytes = file.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)bytes.Length - 8);
        return (bytes, MediaTypes.Wav, 64L * WorkCost.Node);
    }

    /// <summary>An EBML header of 4 KiB, nearly all two-byte Void elements before its DocType, then a Segment.</summary>
    private static (byte[], string, long) EbmlVoidElements()
    {
        const int Voids = 2000;
        var header = new List<byte>();
        for (var i = 0; i < Voids; i++)
        {
            header.AddRange([0xEC, 0x80]);
        }

        header.AddRange([0x42, 0x82, 0x84, .. "webm"u8]);
        var bytes = new List<byte>([0x1A, 0x45, 0xDF, 0xA3, 0x10, (byte)(header.Count >> 16), (byte)(header.Count >> 8), (byte)header.Count]);
        bytes.AddRange(header);
        bytes.AddRange([0x18, 0x53, 0x80, 0x67, 0x81, 0x00]);
        return ([.. bytes], MediaTypes.WebM, Voids * (long)WorkCost.Node);
    }

    /// <summary>An ftyp box of 4 KiB whose major brand says nothing and whose 1020 compatible brands are unknown.</summary>
    private static (byte[], string, long) Mp4CompatibleBrands()
    {
        var bytes = new byte[4096 + 16];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 4096);
        "ftypzzzz\0\0\0\0"u8.CopyTo(bytes.AsSpan(4));
        for (var at = 16; at < 4096; at += 4)
        {
            "zzzz"u8.CopyTo(bytes.AsSpan(at));
        }

        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4096), 16);
        "mdat"u8.CopyTo(bytes.AsSpan(4100));
        return (bytes, "application/mp4", ((4096 - 16) / 4) * (long)WorkCost.Node);
    }

    /// <summary>An ID3v2 tag followed by 4 KiB less a byte of zero padding, then MPEG-1 layer III frames.</summary>
    private static (byte[], string, long) Mp3TagPadding()
    {
        using var file = new MemoryStream();
        file.Write("ID3\x03\0\0\0\0\0\x0A"u8);
        file.Write(new byte[10]);
        file.Write(new byte[4095]);
        for (var frame = 0; frame < 4; frame++)
        {
            // 128 kbit/s, 44.1 kHz: 417 bytes.
            var bytes = new byte[417];
            bytes[0] = 0xFF;
            bytes[1] = 0xFB;
            bytes[2] = 0x90;
            bytes[3] = 0x00;
            file.Write(bytes);
        }

        return (file.ToArray(), MediaTypes.Mpeg, 4096);
    }

    private static uint OggCrc(ReadOnlySpan<byte> page)
    {
        uint crc = 0;
        for (var i = 0; i < page.Length; i++)
        {
            var b = i is >= 22 and < 26 ? (byte)0 : page[i];
            crc ^= (uint)b << 24;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
            }
        }

        return crc;
    }
}
