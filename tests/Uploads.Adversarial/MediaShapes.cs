using System.Buffers.Binary;

namespace Uploads.Adversarial;

/// <summary>
/// The worst shapes for the structure walks of the audio and video containers (docs/sniffing.md, "Files inside files:
/// audio and video"): a Matroska segment of tiny elements, or of elements each just past one read's reach, an MP4 of
/// tiny top-level boxes, an ID3 tag of as many tiny frames as it holds. Each is a well-formed file of its type, built
/// by hand; the first three must be refused for their structure, the ID3 one is clean (checked, cheaply).
/// </summary>
public static class MediaShapes
{
    /// <summary>The shapes, each made at about the size asked for.</summary>
    public static IReadOnlyList<AdversarialShape> All { get; } =
    [
        new("mkv-tiny-elements", "video.mkv", "video/x-matroska", Clean: false, MkvTinyElements),
        new("mkv-elements-past-each-read", "video.mkv", "video/x-matroska", Clean: false, MkvElementsPastEachRead),
        new("mp4-tiny-boxes", "video.mp4", "video/mp4", Clean: false, Mp4TinyBoxes),
        new("id3-many-frames", "audio.mp3", "audio/mpeg", Clean: true, Id3ManyFrames),
    ];

    /// <summary>An MPEG-1 layer III frame header (128 kbit/s, 44.1 kHz, no padding): 417-byte frames.</summary>
    private static ReadOnlySpan<byte> Mp3Header => [0xFF, 0xFB, 0x90, 0x44];

    /// <summary>The EBML header (DocType matroska) and a Segment of 2-byte Void elements (one every 2 bytes).</summary>
    public static byte[] MkvTinyElements(int targetBytes) => Mkv(targetBytes, 2);

    /// <summary>A Segment of Void elements of 4 KiB + 16 bytes: each header lies just past what the read of the one before fetched.</summary>
    public static byte[] MkvElementsPastEachRead(int targetBytes) => Mkv(targetBytes, (4 * 1024) + 16);

    /// <summary>An <c>ftyp</c> box, then 8-byte <c>free</c> boxes to the size asked for.</summary>
    public static byte[] Mp4TinyBoxes(int targetBytes)
    {
        var count = Math.Max(1, (targetBytes - 24) / 8);
        var bytes = new byte[24 + (count * 8)];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 24);
        "ftypisom\0\0\x02\0isommp41"u8.CopyTo(bytes.AsSpan(4));
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(24 + (i * 8)), 8);
            "free"u8.CopyTo(bytes.AsSpan(24 + (i * 8) + 4));
        }

        return bytes;
    }

    /// <summary>An ID3v2.3 tag (up to 1 MiB) of 11-byte TXXX frames, then three MPEG frames.</summary>
    public static byte[] Id3ManyFrames(int targetBytes)
    {
        const int Frame = 417;
        var tag = Math.Clamp(targetBytes - 10 - (3 * Frame), 11, 1024 * 1024) / 11 * 11;
        var bytes = new byte[10 + tag + (3 * Frame)];
        "ID3\x03\0\0"u8.CopyTo(bytes);
        bytes[6] = (byte)((tag >> 21) & 0x7F);
        bytes[7] = (byte)((tag >> 14) & 0x7F);
        bytes[8] = (byte)((tag >> 7) & 0x7F);
        bytes[9] = (byte)(tag & 0x7F);
        for (var at = 10; at < 10 + tag; at += 11)
        {
            "TXXX\0\0\0\x01\0\0\0"u8.CopyTo(bytes.AsSpan(at));
        }

        for (var i = 0; i < 3; i++)
        {
            Mp3Header.CopyTo(bytes.AsSpan(10 + tag + (i * Frame)));
        }

        return bytes;
    }

    private static byte[] Mkv(int targetBytes, int element)
    {
        byte[] header = [0x1A, 0x45, 0xDF, 0xA3, 0x8B, 0x42, 0x82, 0x88, .. "matroska"u8, 0x18, 0x53, 0x80, 0x67, 0x01, 0, 0, 0, 0, 0, 0, 0];
        var count = Math.Max(1, (targetBytes - header.Length) / element);
        var bytes = new byte[header.Length + (count * element)];
        header.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(header.Length - 8), 0x0100_0000_0000_0000UL | (uint)(count * element));
        for (var i = 0; i < count; i++)
        {
            var at = header.Length + (i * element);
            bytes[at] = 0xEC;
            if (element == 2)
            {
                bytes[at + 1] = 0x80;
            }
            else
            {
                bytes[at + 1] = (byte)(0x40 | ((element - 3) >> 8));
                bytes[at + 2] = (byte)(element - 3);
            }
        }

        return bytes;
    }
}
