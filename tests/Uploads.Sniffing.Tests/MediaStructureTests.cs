using System.Buffers.Binary;
using System.Text;
using Uploads.Sniffing.Formats;
using static Uploads.Adversarial.ContainerBytes;

namespace Uploads.Sniffing.Tests;

/// <summary>
/// The structure walks of the audio and video containers (docs/sniffing.md, "Files inside files: audio and video"):
/// edge cases built in code from the corpus's clean files, each evaluated by random access and fed as a stream.
/// </summary>
public sealed class MediaStructureTests
{
    private static readonly byte[] Exe = MakeExe();

    [Fact]
    public async Task Mp4_LargeSizeBoxAtTheEnd_Accepted()
    {
        var box = new byte[16 + 100];
        BinaryPrimitives.WriteUInt32BigEndian(box, 1);
        "mdat"u8.CopyTo(box.AsSpan(4));
        BinaryPrimitives.WriteUInt64BigEndian(box.AsSpan(8), (ulong)box.Length);

        await AssertAcceptedAsync([.. Corpus.Read("video-h264.mp4"), .. box], MediaTypes.Mp4);
    }

    [Fact]
    public async Task Mp4_BoxSizePastTheEnd_Refused()
    {
        var box = Box("free", new byte[16]);
        BinaryPrimitives.WriteUInt32BigEndian(box, 4096);

        await AssertRefusedAsync([.. Corpus.Read("video-h264.mp4"), .. box], "has a size that does not fit the file");
    }

    [Fact]
    public async Task Mp4_LargeSizeOverflowingLong_Refused()
    {
        var box = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(box, 1);
        "mdat"u8.CopyTo(box.AsSpan(4));
        BinaryPrimitives.WriteUInt64BigEndian(box.AsSpan(8), ulong.MaxValue);

        await AssertRefusedAsync([.. Corpus.Read("video-h264.mp4"), .. box], "has a size that does not fit the file");
    }

    [Fact]
    public async Task Mp4_SizeZeroUuidBoxHoldingAnExecutable_Refused()
    {
        // Size 0: "to the end of the file"; what follows it is inside it.
        var box = Box("uuid", [.. new byte[16], .. Exe]);
        BinaryPrimitives.WriteUInt32BigEndian(box, 0);

        await AssertRefusedAsync([.. Corpus.Read("video-h264.mp4"), .. box], "a Windows executable in the box 'uuid'");
    }

    [Fact]
    public async Task Mp4_LargeUnknownBox_Refused()
    {
        await AssertRefusedAsync([.. Corpus.Read("video-h264.mp4"), .. Box("abcd", new byte[(64 * 1024) + 1])], "a private box of 65537 bytes");
    }

    [Fact]
    public async Task Mp4_FewBytesAfterTheLastBox_Refused()
    {
        await AssertRefusedAsync([.. Corpus.Read("video-h264.mp4"), 0, 0, 0], "data after the end of the movie in the bytes after the movie's last box at offset 5518");
    }

    [Fact]
    public async Task Matroska_UnknownSizeCluster_Refused()
    {
        byte[] cluster = [0x1F, 0x43, 0xB6, 0x75, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xE7, 0x81, 0x00];

        await AssertRefusedAsync(InSegment(cluster), "an element of unknown size");
    }

    [Fact]
    public async Task Matroska_AttachmentDeclaredAsFontWithAnExecutable_Refused()
    {
        var file = Element(0x61A7, [
            .. Element(0x466E, "font.ttf"u8.ToArray()),
            .. Element(0x4660, "application/x-truetype-font"u8.ToArray()),
            .. Element(0x465C, Exe),
            .. Element(0x46AE, [1, 2, 3, 4, 5, 6, 7, 8]),
        ]);

        await AssertRefusedAsync(InSegment(Element(0x1941A469, file)), "a Windows executable in the Matroska attachment 'font.ttf' (application/x-truetype-font)");
    }

    [Fact]
    public async Task Matroska_AttachedRealFont_Accepted()
    {
        byte[] font = [0x00, 0x01, 0x00, 0x00, .. new byte[60]];
        var file = Element(0x61A7, [.. Element(0x466E, "a.ttf"u8.ToArray()), .. Element(0x4660, "font/ttf"u8.ToArray()), .. Element(0x465C, font)]);

        await AssertAcceptedAsync(InSegment(Element(0x1941A469, file)), MediaTypes.Matroska);
    }

    [Fact]
    public async Task Matroska_ElementTheSeekHeadDoesNotList_Walked()
    {
        // The SeekHead says nothing of it (ffmpeg's lists only its own elements): the walk finds it anyway.
        await AssertRefusedAsync(InSegment(Element(0x4DBB, Exe)), "a Windows executable in the Matroska unknown element 0x4DBB");
    }

    [Fact]
    public async Task Matroska_VoidOfZeros_Accepted()
    {
        await AssertAcceptedAsync(InSegment(Element(0xEC, new byte[2000])), MediaTypes.Matroska);
    }

    [Fact]
    public async Task Matroska_BytesAfterTheSegment_Refused()
    {
        await AssertRefusedAsync([.. Corpus.Read("video.mkv"), .. "PK\x03\x04"u8], "a ZIP archive in the bytes after the Matroska segment at offset 5291");
    }

    [Fact]
    public async Task Matroska_ElementPastTheSegment_Refused()
    {
        var mkv = InSegment(Element(0xEC, new byte[100]));
        await AssertRefusedAsync(mkv[..^10], "does not fit the file");
    }

    [Fact]
    public async Task Id3_FrameSizePastTheTag_Refused()
    {
        var frame = Frame3("TIT2", "\0Tone"u8.ToArray());
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), 5000);

        await AssertRefusedAsync(Mp3(Tag(3, 0, frame)), "its frame 'TIT2' passes the end of the tag");
    }

    [Fact]
    public async Task Id3_UnsynchronisedTagWithAJpegCover_Accepted()
    {
        var apic = Frame3("APIC", [.. "\0image/jpeg\0\x03\0"u8, 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. new byte[40]]);

        await AssertAcceptedAsync(Mp3(Tag(3, 0x80, Unsynchronise(apic))), MediaTypes.Mpeg);
    }

    [Fact]
    public async Task Id3_UnsynchronisedTagWithAGeob_Refused()
    {
        await AssertRefusedAsync(Mp3(Tag(3, 0x80, Unsynchronise(Frame3("GEOB", [.. "\0application/x-msdownload\0a.exe\0\0"u8, .. Exe])))), "a Windows executable in the ID3 frame 'GEOB'");
    }

    [Fact]
    public async Task Id3_PictureDeclaredPngHoldingAJpeg_Refused()
    {
        var apic = Frame3("APIC", [.. "\0image/png\0\x03\0"u8, 0xFF, 0xD8, 0xFF, 0xE0, .. new byte[40]]);

        await AssertRefusedAsync(Mp3(Tag(3, 0, apic)), "a picture that is not the image/png it declares");
    }

    [Fact]
    public async Task Id3_PictureLink_Refused()
    {
        await AssertRefusedAsync(Mp3(Tag(3, 0, Frame3("APIC", "\0-->\0\x03\0http://example.com/a.jpg"u8.ToArray()))), "a link to a picture elsewhere");
    }

    [Fact]
    public async Task Id3_NonZeroPadding_Refused()
    {
        await AssertRefusedAsync(Mp3(Tag(3, 0, [.. Frame3("TIT2", "\0Tone"u8.ToArray()), 0, 0, .. Exe])), "in the ID3 tag's padding");
    }

    [Fact]
    public async Task Mp3_BytesAfterTheLastFrame_Refused()
    {
        await AssertRefusedAsync([.. Corpus.Read("audio-cbr.mp3"), .. Exe], "a Windows executable in the bytes after the last audio frame at offset 4596");
    }

    [Fact]
    public async Task Mp3_Id3v1AndApeTagsAtTheEnd_Accepted()
    {
        var ape = ApeTag("Title", "Tone"u8.ToArray(), binary: false);
        var id3v1 = new byte[128];
        "TAG"u8.CopyTo(id3v1);

        await AssertAcceptedAsync([.. Corpus.Read("audio-cbr.mp3"), .. ape, .. id3v1], MediaTypes.Mpeg);
    }

    [Fact]
    public async Task Mp3_ApeCoverArtHoldingAnExecutable_Refused()
    {
        var ape = ApeTag("Cover Art (Front)", [.. "cover.jpg\0"u8, .. Exe], binary: true);

        await AssertRefusedAsync([.. Corpus.Read("audio-cbr.mp3"), .. ape], "a Windows executable in an APE tag item");
    }

    [Fact]
    public async Task Ogg_BytesAfterTheEndOfStream_Refused()
    {
        await AssertRefusedAsync([.. Corpus.Read("audio-vorbis.ogg"), .. Exe], "a Windows executable in the bytes after the last Ogg page at offset 4359");
    }

    [Fact]
    public async Task Ogg_LastPageWithoutEndOfStream_Refused()
    {
        var ogg = Corpus.Read("audio-vorbis.ogg");
        var last = ogg.AsSpan().LastIndexOf("OggS"u8);
        ogg[last + 5] &= 0xFB;
        BinaryPrimitives.WriteUInt32LittleEndian(ogg.AsSpan(last + 22), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(ogg.AsSpan(last + 22), Ogg.Crc(ogg.AsSpan(last)));

        await AssertRefusedAsync(ogg, "does not end its stream");
    }

    private static async Task AssertAcceptedAsync(byte[] bytes, string type)
    {
        foreach (var detected in new[] { await Corpus.SniffAsync(bytes), ActiveContentTests.Streamed(bytes, 4096, ActiveContentKinds.None) })
        {
            Assert.Null(detected.Refusal);
            Assert.Equal(type, detected.MediaType);
        }
    }

    private static async Task AssertRefusedAsync(byte[] bytes, string reason)
    {
        foreach (var detected in new[] { await Corpus.SniffAsync(bytes), ActiveContentTests.Streamed(bytes, 4096, ActiveContentKinds.None) })
        {
            Assert.NotNull(detected.Refusal);
            Assert.Contains(reason, detected.Refusal, StringComparison.Ordinal);
        }
    }

    /// <summary>The corpus's ffmpeg Matroska file with <paramref name="element"/> appended to its Segment (size rewritten).</summary>
    private static byte[] InSegment(byte[] element)
    {
        var mkv = Corpus.Read("video.mkv");
        var segment = mkv.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x18, 0x53, 0x80, 0x67]);
        var size = BinaryPrimitives.ReadUInt64BigEndian(mkv.AsSpan(segment + 4)) & 0x00FF_FFFF_FFFF_FFFFUL;
        BinaryPrimitives.WriteUInt64BigEndian(mkv.AsSpan(segment + 4), 0x0100_0000_0000_0000UL | (size + (ulong)element.Length));
        return [.. mkv, .. element];
    }

    private static byte[] Frame3(string id, byte[] body)
    {
        var frame = new byte[10 + body.Length];
        Encoding.ASCII.GetBytes(id).CopyTo(frame, 0);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)body.Length);
        body.CopyTo(frame, 10);
        return frame;
    }

    private static byte[] Tag(byte version, byte flags, byte[] body)
    {
        var n = body.Length;
        return [(byte)'I', (byte)'D', (byte)'3', version, 0, flags, (byte)((n >> 21) & 127), (byte)((n >> 14) & 127), (byte)((n >> 7) & 127), (byte)(n & 127), .. body];
    }

    private static byte[] Mp3(byte[] tag) => [.. tag, .. Corpus.Read("audio-cbr.mp3")];

    private static byte[] Unsynchronise(byte[] data)
    {
        var result = new List<byte>();
        for (var i = 0; i < data.Length; i++)
        {
            result.Add(data[i]);
            if (data[i] == 0xFF && (i + 1 == data.Length || data[i + 1] >= 0xE0 || data[i + 1] == 0))
            {
                result.Add(0);
            }
        }

        return [.. result];
    }

    private static byte[] ApeTag(string key, byte[] value, bool binary)
    {
        byte[] item = [.. BitConverter.GetBytes(value.Length), .. BitConverter.GetBytes(binary ? 2 : 0), .. Encoding.ASCII.GetBytes(key), 0, .. value];
        var footer = new byte[32];
        "APETAGEX"u8.CopyTo(footer);
        BinaryPrimitives.WriteUInt32LittleEndian(footer.AsSpan(8), 2000);
        BinaryPrimitives.WriteUInt32LittleEndian(footer.AsSpan(12), (uint)(item.Length + 32));
        BinaryPrimitives.WriteUInt32LittleEndian(footer.AsSpan(16), 1);
        return [.. item, .. footer];
    }
}
