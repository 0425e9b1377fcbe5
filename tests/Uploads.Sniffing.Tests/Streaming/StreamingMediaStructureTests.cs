using System.Buffers.Binary;
using Uploads.Testing;
using static Uploads.Adversarial.ContainerBytes;

namespace Uploads.Sniffing.Tests.Streaming;

/// <summary>
/// Media files near the direct-upload limit, walked to their end in one pass (docs/sniffing.md, "Files inside files:
/// audio and video"): the streamed verdict is the random-access one, for clean files and for each carrier class, with
/// the box or element headers far past the head and the window.
/// </summary>
public sealed class StreamingMediaStructureTests
{
    private const int Megabytes = 9 * 1024 * 1024;

    private static readonly byte[] Exe = MakeExe();

    public static TheoryData<string> Cases() => ["mkv-clusters", "mkv-clusters-exe-attached", "mp4-mdat", "mp4-mdat-uuid-exe", "mp4-mdat-zip", "mp3-frames", "mp3-frames-zip", "mkv-many-clusters"];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Complete_LargeMediaInChunks_SameVerdictAsRandomAccess(string name)
    {
        var content = Make(name);
        var expected = await ContentSniffer.SniffAsync((range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(content.AsMemory((int)range.Offset, range.Length)), content.Length);

        foreach (var chunk in new[] { 4096, 64 * 1024, 1024 * 1024 })
        {
            using var sniffer = new StreamingSniffer();
            for (var offset = 0; offset < content.Length; offset += chunk)
            {
                sniffer.Observe(content.AsSpan(offset, Math.Min(chunk, content.Length - offset)));
            }

            var streamed = sniffer.Complete();
            Assert.Equal(expected.MediaType, streamed.MediaType);
            Assert.Equal(expected.Refusal, streamed.Refusal);
        }

        Assert.Equal(name.EndsWith("exe", StringComparison.Ordinal) || name.EndsWith("zip", StringComparison.Ordinal) || name.EndsWith("exe-attached", StringComparison.Ordinal), expected.Refusal is not null);
    }

    private static byte[] Make(string name) => name switch
    {
        "mkv-clusters" => Mkv(1024 * 1024, []),
        "mkv-many-clusters" => Mkv(64 * 1024, []),
        "mkv-clusters-exe-attached" => Mkv(1024 * 1024, Element(0x1941A469, Element(0x61A7, [.. Element(0x466E, "a.ttf"u8.ToArray()), .. Element(0x4660, "font/ttf"u8.ToArray()), .. Element(0x465C, Exe)]))),
        "mp4-mdat" => Mp4([]),
        "mp4-mdat-uuid-exe" => Mp4([.. Box("uuid", [.. new byte[16], .. Exe])]),
        "mp4-mdat-zip" => Mp4([.. "PK\x03\x04"u8, .. new byte[100]]),
        "mp3-frames" => Mp3([]),
        "mp3-frames-zip" => Mp3([.. "PK\x03\x04"u8, .. new byte[100]]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static byte[] Read(string file) => File.ReadAllBytes(Path.Combine(TestFixtures.CorpusDirectory, file));

    /// <summary>The corpus's Matroska file, then Clusters of <paramref name="cluster"/> bytes to about 9 MiB, then <paramref name="tail"/>, the Segment's size rewritten.</summary>
    private static byte[] Mkv(int cluster, byte[] tail)
    {
        var source = Read("video.mkv");
        var body = new List<byte>(source);
        var random = new Random(7);
        while (body.Count + cluster < Megabytes)
        {
            var block = new byte[cluster - 12 - 12];
            random.NextBytes(block);
            block[0] = 0x81;
            body.AddRange(Element(0x1F43B675, Element(0xA3, block)));
        }

        body.AddRange(tail);
        var bytes = body.ToArray();
        var segment = bytes.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x18, 0x53, 0x80, 0x67]);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(segment + 4), 0x0100_0000_0000_0000UL | (uint)(bytes.Length - segment - 12));
        return bytes;
    }

    private static byte[] Mp4(byte[] tail)
    {
        var source = Read("video-h264.mp4");
        var mdat = new byte[Megabytes];
        BinaryPrimitives.WriteUInt32BigEndian(mdat, (uint)mdat.Length);
        "mdat"u8.CopyTo(mdat.AsSpan(4));
        return [.. source, .. mdat, .. tail];
    }

    private static byte[] Mp3(byte[] tail)
    {
        var frames = Read("audio-cbr.mp3");
        var body = new List<byte>();
        while (body.Count < Megabytes)
        {
            body.AddRange(frames);
        }

        return [.. body, .. tail];
    }
}
