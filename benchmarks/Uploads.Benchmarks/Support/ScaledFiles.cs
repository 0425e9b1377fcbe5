using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Uploads.Benchmarks.Support;

/// <summary>
/// Real corpus files scaled to a given size without changing what they are: each kind is padded the way its format
/// allows, so the result is a well-formed file of the same type (not just a magic number followed by junk).
/// Content is written to a stream (a blob's write stream), never held whole in memory.
/// </summary>
internal static class ScaledFiles
{
    private const int ChunkBytes = 4 * 1024 * 1024;

    /// <summary>The kinds, with the corpus file each starts from and how it is scaled.</summary>
    public static IReadOnlyList<ScaledKind> Kinds { get; } =
    [
        new("mp4", "video-h264.mp4", "video/mp4", ".mp4", "the real file, then a second top-level ISO-BMFF 'mdat' box of random media data (unreferenced, as an edit leaves it)", WriteMp4Async),
        new("mov", "video.mov", "video/quicktime", ".mov", "the real file, then a second top-level 'mdat' atom of random media data", WriteMp4Async),
        new("mkv", "video.mkv", "video/x-matroska", ".mkv", "the real file (ffmpeg), its Segment size rewritten, then 2 MiB Clusters (a Timestamp and one SimpleBlock of random data each: about 3 Mbit/s in 5 s clusters, as ffmpeg and mkvmerge cut them)", WriteMkvAsync),
        new("mp3+ID3", "audio-id3-400k.mp3", "audio/mpeg", ".mp3", "the real file (400 KB ID3v2 tag, then MPEG frames), then its frames repeated", WriteMp3Async),
        new("aac+ID3", "audio-id3.aac", "audio/aac", ".aac", "the real file (ID3v2 tag, then ADTS frames), then its frames repeated", WriteMp3Async),
        new("pdf", "document.pdf", "application/pdf", ".pdf", "the real file, then PDF comment lines and a final startxref/%%EOF pointing at the original xref", WritePdfAsync),
        new("docx (CT first)", "document-python-docx.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "the real package re-zipped with a stored word/media/padding.bin before its last part ([Content_Types].xml in the head)", WriteDocxAsync),
        new("docx (CT last)", "document-libreoffice.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "the LibreOffice package re-zipped with word/media/padding.bin just before [Content_Types].xml (LibreOffice writes it 14th of 15 parts), which so lands after the padding, next to the central directory", WriteDocxAsync),
        new("txt", "text-utf8.txt", "text/plain", ".txt", "the real UTF-8 text (2-, 3- and 4-byte characters) repeated, ASCII at the end to the exact size", WriteTextAsync),
        new("png", "image.png", "image/png", ".png", "the real file with tEXt chunks of printable text (4 MiB each) before IEND", WritePngAsync),
        new("jpeg", "image.jpg", "image/jpeg", ".jpg", "the real file with COM segments of printable text (64 KiB each) after SOI", WriteJpegAsync),
        new("gif", "image.gif", "image/gif", ".gif", "the real file with a plain-text extension of 255-byte sub-blocks of printable text before the trailer", WriteGifAsync),
        new("webp", "image-alpha.webp", "image/webp", ".webp", "the real VP8X file with an XMP chunk of printable text at the end, RIFF size fixed", WriteWebPAsync),
        new("wav", "audio-pcm16.wav", "audio/wav", ".wav", "the real file's data chunk extended with random samples, RIFF and data sizes fixed", WriteWavAsync),
        new("avi", "video.avi", "video/x-msvideo", ".avi", "the real file with a top-level JUNK chunk at the end of its RIFF chunk, RIFF size fixed", WriteAviAsync),
    ];

    private static async Task WritePngAsync(byte[] source, long target, Stream output, Random random)
    {
        // Before the 12-byte IEND chunk: tEXt chunks ("pad" keyword, printable text), each with its CRC.
        await output.WriteAsync(source.AsMemory(0, source.Length - 12)).ConfigureAwait(false);
        var padding = target - source.Length;
        var chunk = new byte[Math.Min(ChunkBytes, Math.Max(padding, 16))];
        while (padding >= 16)
        {
            var length = (int)Math.Min(chunk.Length, padding);
            var data = length - 12;
            BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data);
            "tEXtpad\0"u8.CopyTo(chunk.AsSpan(4));
            FillPrintable(chunk.AsSpan(12, data - 4), random);
            BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data), Crc32(chunk.AsSpan(4, 4 + data)));
            await output.WriteAsync(chunk.AsMemory(0, length)).ConfigureAwait(false);
            padding -= length;
        }

        await output.WriteAsync(source.AsMemory(source.Length - 12)).ConfigureAwait(false);
    }

    private static async Task WriteJpegAsync(byte[] source, long target, Stream output, Random random)
    {
        await output.WriteAsync(source.AsMemory(0, 2)).ConfigureAwait(false);
        var padding = target - source.Length;
        var segment = new byte[65535 + 2];
        while (padding >= 4)
        {
            var length = (int)Math.Min(segment.Length, padding);
            segment[0] = 0xFF;
            segment[1] = 0xFE;
            BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(length - 2));
            FillPrintable(segment.AsSpan(4, length - 4), random);
            await output.WriteAsync(segment.AsMemory(0, length)).ConfigureAwait(false);
            padding -= length;
        }

        await output.WriteAsync(source.AsMemory(2)).ConfigureAwait(false);
    }

    private static async Task WriteGifAsync(byte[] source, long target, Stream output, Random random)
    {
        // Before the trailer: 21 01, a 12-byte text grid header, then 256-byte sub-blocks, then the terminator.
        await output.WriteAsync(source.AsMemory(0, source.Length - 1)).ConfigureAwait(false);
        byte[] header = [0x21, 0x01, 12, 0, 0, 0, 0, 8, 0, 8, 0, 8, 8, 0, 1];
        await output.WriteAsync(header).ConfigureAwait(false);
        var blocks = (target - source.Length - header.Length - 1) / 256;
        var buffer = new byte[256 * 1024];
        while (blocks > 0)
        {
            var count = (int)Math.Min(blocks, buffer.Length / 256);
            for (var i = 0; i < count; i++)
            {
                buffer[i * 256] = 255;
                FillPrintable(buffer.AsSpan((i * 256) + 1, 255), random);
            }

            await output.WriteAsync(buffer.AsMemory(0, count * 256)).ConfigureAwait(false);
            blocks -= count;
        }

        await output.WriteAsync(new byte[] { 0, 0x3B }).ConfigureAwait(false);
    }

    private static Task WriteWebPAsync(byte[] source, long target, Stream output, Random random) =>
        WriteRiffGrownByAsync(source, target, output, "XMP "u8.ToArray(), (stream, length) => WritePrintableAsync(stream, length, random));

    private static async Task WriteWavAsync(byte[] source, long target, Stream output, Random random)
    {
        // The corpus WAV is fmt then data, data last: its size grows to the target.
        var extra = (target - source.Length) & ~1L;
        var header = source[..44];
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), checked((uint)(source.Length - 8 + extra)));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(40), checked((uint)(source.Length - 44 + extra)));
        await output.WriteAsync(header).ConfigureAwait(false);
        await output.WriteAsync(source.AsMemory(44)).ConfigureAwait(false);
        await WriteRandomAsync(output, extra, random).ConfigureAwait(false);
    }

    private static Task WriteAviAsync(byte[] source, long target, Stream output, Random random) =>
        WriteRiffGrownByAsync(source, target, output, "JUNK"u8.ToArray(), (stream, length) => WriteRandomAsync(stream, length, random));

    /// <summary>The corpus RIFF file with one more top-level chunk <paramref name="chunkId"/> of <paramref name="fill"/> bytes, the RIFF size grown to the target.</summary>
    private static async Task WriteRiffGrownByAsync(byte[] source, long target, Stream output, byte[] chunkId, Func<Stream, long, Task> fill)
    {
        var data = (target - source.Length - 8) & ~1L;
        var header = source[..12];
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), checked((uint)(source.Length - 8 + 8 + data)));
        await output.WriteAsync(header).ConfigureAwait(false);
        await output.WriteAsync(source.AsMemory(12)).ConfigureAwait(false);
        var chunk = new byte[8];
        chunkId.CopyTo(chunk, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), (uint)data);
        await output.WriteAsync(chunk).ConfigureAwait(false);
        await fill(output, data).ConfigureAwait(false);
    }

    private static void FillPrintable(Span<byte> span, Random random)
    {
        const string Printable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ";
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (byte)Printable[random.Next(Printable.Length)];
        }
    }

    private static async Task WritePrintableAsync(Stream output, long count, Random random)
    {
        var buffer = new byte[(int)Math.Min(ChunkBytes, Math.Max(count, 1))];
        while (count > 0)
        {
            var length = (int)Math.Min(buffer.Length, count);
            FillPrintable(buffer.AsSpan(0, length), random);
            await output.WriteAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
            count -= length;
        }
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
            }
        }

        return ~crc;
    }

    private static async Task WriteMp4Async(byte[] source, long target, Stream output, Random random)
    {
        // A top-level 'mdat' box may stand anywhere in an ISO-BMFF file (its data need not be referenced); 32-bit box size (enough below 4 GiB).
        var padding = target - source.Length;
        if (padding < 8)
        {
            await output.WriteAsync(source).ConfigureAwait(false);
            return;
        }

        await output.WriteAsync(source).ConfigureAwait(false);
        var header = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, checked((uint)padding));
        "mdat"u8.CopyTo(header.AsSpan(4));
        await output.WriteAsync(header).ConfigureAwait(false);
        await WriteRandomAsync(output, padding - 8, random).ConfigureAwait(false);
    }

    private static async Task WriteMkvAsync(byte[] source, long target, Stream output, Random random)
    {
        // The EBML header, then the Segment (id 18 53 80 67) whose size ffmpeg writes as an 8-byte variable-length integer.
        var segment = source.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x18, 0x53, 0x80, 0x67]);
        if (segment < 0 || source[segment + 4] != 0x01 || target - source.Length < 4096)
        {
            await output.WriteAsync(source).ConfigureAwait(false);
            return;
        }

        var copy = (byte[])source.Clone();
        var dataStart = segment + 12;
        BinaryPrimitives.WriteUInt64BigEndian(copy.AsSpan(segment + 4), 0x0100_0000_0000_0000UL | checked((ulong)(target - dataStart)));
        await output.WriteAsync(copy).ConfigureAwait(false);
        var remaining = target - source.Length;
        const int ClusterBytes = 2 * 1024 * 1024;
        var block = new byte[ClusterBytes];
        var timestamp = 1000u;
        while (remaining > 0)
        {
            // The last cluster takes the rest (never a runt: a remainder under 64 KiB joins the one before).
            var size = remaining - ClusterBytes < 64 * 1024 ? remaining : ClusterBytes;
            var frame = (int)(size - 12 - 6 - 9 - 4);
            var header = new byte[12 + 6 + 9 + 4];
            BinaryPrimitives.WriteUInt32BigEndian(header, 0x1F43B675);
            BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(4), 0x0100_0000_0000_0000UL | checked((ulong)(size - 12)));
            header[12] = 0xE7; // Timestamp, 4 bytes
            header[13] = 0x84;
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(14), timestamp);
            header[18] = 0xA3; // SimpleBlock, 8-byte size
            BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(19), 0x0100_0000_0000_0000UL | (uint)(frame + 4));
            header[27] = 0x81; // track 1, relative timestamp 0, keyframe
            header[30] = 0x80;
            await output.WriteAsync(header).ConfigureAwait(false);
            if (block.Length < frame)
            {
                block = new byte[frame];
            }

            random.NextBytes(block.AsSpan(0, frame));
            await output.WriteAsync(block.AsMemory(0, frame)).ConfigureAwait(false);
            remaining -= size;
            timestamp += 5000;
        }
    }

    private static async Task WriteMp3Async(byte[] source, long target, Stream output, Random random)
    {
        // ID3v2 header: "ID3", version, flags, syncsafe size (+10 for a footer).
        var tagSize = 10 + ((source[6] & 0x7F) << 21 | (source[7] & 0x7F) << 14 | (source[8] & 0x7F) << 7 | (source[9] & 0x7F)) + ((source[5] & 0x10) != 0 ? 10 : 0);
        var frames = source.AsMemory(tagSize);
        await output.WriteAsync(source).ConfigureAwait(false);
        var written = (long)source.Length;
        // Whole copies only (the file ends on a frame boundary, as an encoder's does): at most one copy short of the target.
        while (written + frames.Length <= target)
        {
            await output.WriteAsync(frames).ConfigureAwait(false);
            written += frames.Length;
        }
    }

    private static async Task WritePdfAsync(byte[] source, long target, Stream output, Random random)
    {
        // Comments may follow %%EOF; a reader looks for the last startxref, which points at the original xref table
        // (its offset is unchanged because everything is appended).
        var text = Encoding.Latin1.GetString(source);
        var at = text.LastIndexOf("startxref", StringComparison.Ordinal);
        var offset = text[(at + "startxref".Length)..].Trim().Split('\n', '\r')[0].Trim();
        var trailer = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\nstartxref\n{offset}\n%%EOF\n"));
        await output.WriteAsync(source).ConfigureAwait(false);
        var padding = target - source.Length - trailer.Length;
        if (padding > 0)
        {
            var line = new byte[ChunkBytes];
            const string Printable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ";
            while (padding > 0)
            {
                var length = (int)Math.Min(line.Length, padding);
                for (var i = 0; i < length; i++)
                {
                    line[i] = (i % 80) switch { 0 => (byte)'%', 79 => (byte)'\n', _ => (byte)Printable[random.Next(Printable.Length)] };
                }

                line[length - 1] = (byte)'\n';
                await output.WriteAsync(line.AsMemory(0, length)).ConfigureAwait(false);
                padding -= length;
            }
        }

        await output.WriteAsync(trailer).ConfigureAwait(false);
    }

    private static async Task WriteDocxAsync(byte[] source, long target, Stream output, Random random)
    {
        using var input = new ZipArchive(new MemoryStream(source, writable: false), ZipArchiveMode.Read);
        var entries = input.Entries.ToList();
        // The re-zipped package differs from the original by a few hundred bytes of headers: stay just under the target,
        // so that a file at a category's limit is not over it.
        var padding = target - source.Length - 512;
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        // The padding goes before [Content_Types].xml where that is not the first part (LibreOffice writes it near the
        // end), so the type declaration lands after the padding, next to the central directory; otherwise before the last part.
        var contentTypes = entries.FindIndex(e => e.FullName == "[Content_Types].xml");
        var padAt = contentTypes > 0 ? contentTypes : entries.Count - 1;
        for (var i = 0; i < entries.Count; i++)
        {
            if (i == padAt && padding > 0)
            {
                var pad = zip.CreateEntry("word/media/padding.bin", CompressionLevel.NoCompression);
                var stream = await pad.OpenAsync().ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    await WriteRandomAsync(stream, padding, random).ConfigureAwait(false);
                }
            }

            var entry = zip.CreateEntry(entries[i].FullName, CompressionLevel.Optimal);
            if (entries[i].FullName == "word/_rels/document.xml.rels" && padding > 0)
            {
                // The padding is referred to as an image of the main part: a part nothing refers to is refused.
                using var reader = new StreamReader(await entries[i].OpenAsync().ConfigureAwait(false));
                var relationships = (await reader.ReadToEndAsync().ConfigureAwait(false)).Replace(
                    "</Relationships>",
                    "<Relationship Id=\"rIdPadding\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/padding.bin\"/></Relationships>",
                    StringComparison.Ordinal);
                var writer = new StreamWriter(await entry.OpenAsync().ConfigureAwait(false));
                await using (writer.ConfigureAwait(false))
                {
                    await writer.WriteAsync(relationships).ConfigureAwait(false);
                }

                continue;
            }

            var from = await entries[i].OpenAsync().ConfigureAwait(false);
            await using (from.ConfigureAwait(false))
            {
                var to = await entry.OpenAsync().ConfigureAwait(false);
                await using (to.ConfigureAwait(false))
                {
                    await from.CopyToAsync(to).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task WriteTextAsync(byte[] source, long target, Stream output, Random random)
    {
        var chunk = new byte[ChunkBytes / source.Length * source.Length];
        for (var i = 0; i < chunk.Length; i += source.Length)
        {
            source.CopyTo(chunk, i);
        }

        var written = 0L;
        while (target - written >= source.Length)
        {
            var whole = (int)Math.Min(chunk.Length, (target - written) / source.Length * source.Length);
            await output.WriteAsync(chunk.AsMemory(0, whole)).ConfigureAwait(false);
            written += whole;
        }

        var rest = new byte[target - written];
        rest.AsSpan().Fill((byte)'.');
        if (rest.Length > 0)
        {
            rest[^1] = (byte)'\n';
        }

        await output.WriteAsync(rest).ConfigureAwait(false);
    }

    private static async Task WriteRandomAsync(Stream output, long count, Random random)
    {
        var buffer = new byte[(int)Math.Min(ChunkBytes, count)];
        while (count > 0)
        {
            var length = (int)Math.Min(buffer.Length, count);
            random.NextBytes(buffer.AsSpan(0, length));
            await output.WriteAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
            count -= length;
        }
    }
}

/// <summary>One kind of scaled file.</summary>
/// <param name="Name">Row label.</param>
/// <param name="CorpusFile">The real file it starts from (tests/fixtures/corpus).</param>
/// <param name="MediaType">The type it is declared (and is).</param>
/// <param name="Extension">The extension of its blob name.</param>
/// <param name="How">How it is scaled, for the report.</param>
/// <param name="Write">Writes the scaled file (source bytes, target size, output, random source).</param>
internal sealed record ScaledKind(string Name, string CorpusFile, string MediaType, string Extension, string How, Func<byte[], long, Stream, Random, Task> Write);
