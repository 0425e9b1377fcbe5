using System.Buffers.Binary;

namespace Uploads.Adversarial;

/// <summary>
/// Images whose structure walk (docs/sniffing.md, "Files inside files: images and RIFF") visits as many elements as the
/// size allows: a PNG of empty chunks, a GIF whose image data is in 1-byte sub-blocks, a JPEG of empty comment segments.
/// Each is a valid image, accepted once checked: the walk must stay linear and cheap. Built at about the target size.
/// </summary>
public static class ImageShapes
{
    public static IReadOnlyList<AdversarialShape> All { get; } =
    [
        new("png-empty-chunks", "empty-chunks.png", "image/png", Clean: true, PngEmptyChunks),
        new("gif-tiny-sub-blocks", "tiny-sub-blocks.gif", "image/gif", Clean: true, GifTinySubBlocks),
        new("jpeg-tiny-segments", "tiny-segments.jpg", "image/jpeg", Clean: true, JpegTinySegments),
    ];

    /// <summary>A 1×1 PNG with 12-byte empty <c>tEXt</c> chunks between IHDR and IDAT.</summary>
    public static byte[] PngEmptyChunks(int targetBytes)
    {
        byte[] head = [0x89, .. "PNG\r\n\x1a\n"u8, 0, 0, 0, 13, .. "IHDR"u8, 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] tail = [0, 0, 0, 10, .. "IDAT"u8, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, .. "IEND"u8, 0, 0, 0, 0];
        var count = Math.Max(1, (targetBytes - head.Length - tail.Length) / 12);
        var bytes = new byte[head.Length + (count * 12) + tail.Length];
        head.CopyTo(bytes, 0);
        for (var i = 0; i < count; i++)
        {
            "tEXt"u8.CopyTo(bytes.AsSpan(head.Length + (i * 12) + 4));
        }

        tail.CopyTo(bytes, head.Length + (count * 12));
        return bytes;
    }

    /// <summary>A 1×1 GIF whose image data goes on in 1-byte sub-blocks (decoders ignore what follows the end code).</summary>
    public static byte[] GifTinySubBlocks(int targetBytes)
    {
        byte[] head = [.. "GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01];
        var count = Math.Max(1, (targetBytes - head.Length - 2) / 2);
        var bytes = new byte[head.Length + (count * 2) + 2];
        head.CopyTo(bytes, 0);
        for (var i = 0; i < count; i++)
        {
            bytes[head.Length + (i * 2)] = 1;
        }

        bytes[^2] = 0;
        bytes[^1] = 0x3B;
        return bytes;
    }

    /// <summary>A 16×16 JPEG with 4-byte empty comment segments (<c>FF FE 00 02</c>) before its frame header.</summary>
    public static byte[] JpegTinySegments(int targetBytes)
    {
        byte[] head = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, .. "JFIF\0"u8, 1, 1, 0, 0, 1, 0, 1, 0, 0];
        byte[] tail = [0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0, 0x12, 0x34, 0xFF, 0xD9];
        var count = Math.Max(1, (targetBytes - head.Length - tail.Length) / 4);
        var bytes = new byte[head.Length + (count * 4) + tail.Length];
        head.CopyTo(bytes, 0);
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(head.Length + (i * 4)), 0xFFFE0002);
        }

        tail.CopyTo(bytes, head.Length + (count * 4));
        return bytes;
    }
}
