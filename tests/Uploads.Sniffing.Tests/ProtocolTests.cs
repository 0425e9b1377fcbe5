using System.IO.Compression;
using System.Text;
using Moq;
using Uploads.Sniffing;

namespace Uploads.Sniffing.Tests;

/// <summary>The NeedBytes protocol: what is asked for, when, and that only given bytes are used.</summary>
public sealed class ProtocolTests
{
    private static SniffOutcome EvaluateWith(byte[] bytes, long? total, params (long Offset, int Length)[] segments)
    {
        var input = new SniffInput(total);
        foreach (var (offset, length) in segments)
        {
            input.Add(offset, bytes.AsMemory((int)offset, length));
        }

        return ContentSniffer.Evaluate(input);
    }

    [Fact]
    public void Evaluate_EmptyInputWithKnownLength_AsksForTheHead()
    {
        var outcome = ContentSniffer.Evaluate(new SniffInput(1_000_000));

        var need = Assert.IsType<SniffOutcome.NeedBytes>(outcome);
        Assert.Equal(new ByteRange(0, ContentSniffer.HeadBytes), need.Range);
    }

    [Fact]
    public void Evaluate_ShortFileWithKnownLength_AsksOnlyForTheFile()
    {
        var need = Assert.IsType<SniffOutcome.NeedBytes>(ContentSniffer.Evaluate(new SniffInput(100)));

        Assert.Equal(new ByteRange(0, 100), need.Range);
    }

    [Fact]
    public void Evaluate_PartialHeadWhileStreaming_AsksForTheRestOfTheHead()
    {
        var bytes = Corpus.Read("image.png");

        var need = Assert.IsType<SniffOutcome.NeedBytes>(EvaluateWith(bytes, null, (0, 100)));

        Assert.Equal(new ByteRange(100, ContentSniffer.HeadBytes - 100), need.Range);
    }

    [Fact]
    public void Evaluate_Mp3With400KbId3Tag_AsksForTheRangeAfterTheTag()
    {
        var bytes = Corpus.Read("audio-id3-400k.mp3");
        var tagEnd = 10 + ((bytes[6] << 21) | (bytes[7] << 14) | (bytes[8] << 7) | bytes[9]);

        var need = Assert.IsType<SniffOutcome.NeedBytes>(EvaluateWith(bytes, bytes.Length, (0, ContentSniffer.HeadBytes)));

        Assert.True(tagEnd > 400_000);
        Assert.Equal(tagEnd, need.Range.Offset);
        Assert.InRange(need.Range.Length, 1, ContentSniffer.ChunkBytes);
        var detected = EvaluateWith(bytes, bytes.Length, (0, ContentSniffer.HeadBytes), (need.Range.Offset, need.Range.Length));
        Assert.Equal(new SniffOutcome.Detected(MediaTypes.Mpeg, null), detected);
    }

    [Fact]
    public void Evaluate_Mp3With400KbId3TagWhileStreaming_AsksForTheSameLaterRange()
    {
        var bytes = Corpus.Read("audio-id3-400k.mp3");

        var need = Assert.IsType<SniffOutcome.NeedBytes>(EvaluateWith(bytes, null, (0, ContentSniffer.HeadBytes)));

        Assert.True(need.Range.Offset > 400_000);
        Assert.False(need.Range.IsTail);
    }

    [Fact]
    public void Evaluate_ZipWhileStreaming_AsksForTheTailOnlyOnceLengthIsKnown()
    {
        var bytes = Corpus.Read("document-large-ct-last.docx");
        var input = new SniffInput(null);
        input.Add(0, bytes.AsMemory(0, ContentSniffer.HeadBytes));

        var first = Assert.IsType<SniffOutcome.NeedBytes>(ContentSniffer.Evaluate(input));
        Assert.True(first.Range.IsTail);
        Assert.Equal(ContentSniffer.ZipTailBytes, first.Range.Length);

        // The stream ended: the caller kept the last ZipTailBytes and now knows the length.
        input.TotalLength = bytes.Length;
        var tailStart = bytes.Length - first.Range.Length;
        input.Add(tailStart, bytes.AsMemory(tailStart));
        var outcome = ContentSniffer.Evaluate(input);

        Assert.Equal(new SniffOutcome.Detected(MediaTypes.Docx, null), outcome);
    }

    [Fact]
    public void Evaluate_ZipWithKnownLength_AsksForTheTailRangeDirectly()
    {
        var bytes = Corpus.Read("document-large.docx");

        var need = Assert.IsType<SniffOutcome.NeedBytes>(EvaluateWith(bytes, bytes.Length, (0, ContentSniffer.HeadBytes)));

        Assert.Equal(bytes.Length, need.Range.End);
        Assert.False(need.Range.IsTail);
    }

    [Fact]
    public void Evaluate_LargeTextWhileStreaming_AsksForTheTail()
    {
        var bytes = Corpus.Read("text-large-utf8.txt");

        var need = Assert.IsType<SniffOutcome.NeedBytes>(EvaluateWith(bytes, null, (0, ContentSniffer.HeadBytes)));

        Assert.True(need.Range.IsTail);
        Assert.Equal(ContentSniffer.TextTailBytes, need.Range.Length);
    }

    [Fact]
    public void Evaluate_LargeSvg_AsksForTheRestBeforeDeciding()
    {
        var bytes = Corpus.Read("trap-svg-script-cdata-late.svg");

        var need = Assert.IsType<SniffOutcome.NeedBytes>(EvaluateWith(bytes, bytes.Length, (0, ContentSniffer.HeadBytes)));

        Assert.Equal(new ByteRange(ContentSniffer.HeadBytes, bytes.Length - ContentSniffer.HeadBytes), need.Range);
    }

    [Fact]
    public void Evaluate_SvgOverTheLimit_RefusedWithoutReadingMore()
    {
        var head = Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\">" + new string(' ', ContentSniffer.HeadBytes));
        var input = new SniffInput(ContentSniffer.MaxSvgBytes + 1L);
        input.Add(0, head.AsMemory(0, ContentSniffer.HeadBytes));

        var detected = Assert.IsType<SniffOutcome.Detected>(ContentSniffer.Evaluate(input));

        Assert.Equal(MediaTypes.Svg, detected.MediaType);
        Assert.Contains("MiB", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_GapInSegments_AsksForTheGapNotWhatIsHeld()
    {
        var bytes = Corpus.Read("audio-list-before-fmt.wav");
        var segments = new[] { (0L, ContentSniffer.HeadBytes) };

        var need = Assert.IsType<SniffOutcome.NeedBytes>(EvaluateWith(bytes, bytes.Length, segments));

        Assert.True(need.Range.Offset >= ContentSniffer.HeadBytes);
        Assert.True(need.Range.End <= bytes.Length);
    }

    [Fact]
    public void Evaluate_BytesOutsideSegmentsAreDifferent_VerdictUnchanged()
    {
        // Only the ranges the sniffer asked for are given; the rest of the "file" does not exist for it.
        var bytes = Corpus.Read("document-large.docx");
        var input = new SniffInput(bytes.Length);
        var asked = new List<ByteRange>();
        SniffOutcome outcome;
        while ((outcome = ContentSniffer.Evaluate(input)) is SniffOutcome.NeedBytes need)
        {
            asked.Add(need.Range);
            input.Add(need.Range.Offset, bytes.AsMemory((int)need.Range.Offset, need.Range.Length));
        }

        Assert.Equal(new SniffOutcome.Detected(MediaTypes.Docx, null), outcome);
        Assert.True(asked.Sum(r => (long)r.Length) < bytes.Length, "a docx is decided without reading all of it");
    }

    [Fact]
    public void SniffInput_TryGet_SpansSegmentsAndRefusesGaps()
    {
        var input = new SniffInput(10);
        input.Add(5, new byte[] { 5, 6, 7 });
        input.Add(0, new byte[] { 0, 1, 2, 3, 4 });

        Assert.True(input.TryGet(new ByteRange(3, 5), out var joined));
        Assert.Equal(new byte[] { 3, 4, 5, 6, 7 }, joined.ToArray());
        Assert.False(input.TryGet(new ByteRange(6, 3), out _));
        Assert.Equal(8, input.ContiguousLength(0, 100));
    }

    [Fact]
    public async Task SniffAsync_SourceReturnsFewerBytes_RefusesWithoutThrowing()
    {
        var bytes = Corpus.Read("image.png");
        var source = new Mock<Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>>>();
        source.Setup(s => s(It.IsAny<ByteRange>(), It.IsAny<CancellationToken>()))
            .Returns((ByteRange _, CancellationToken _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory(0, 10)));

        var detected = await ContentSniffer.SniffAsync(source.Object, bytes.Length);

        Assert.Equal(MediaTypes.OctetStream, detected.MediaType);
        Assert.NotNull(detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_SourceThrows_ExceptionPropagates()
    {
        var source = new Mock<Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>>>();
        source.Setup(s => s(It.IsAny<ByteRange>(), It.IsAny<CancellationToken>())).ThrowsAsync(new IOException("storage down"));

        await Assert.ThrowsAsync<IOException>(async () => await ContentSniffer.SniffAsync(source.Object, 1000));
    }

    [Fact]
    public async Task SniffAsync_ZipWithCentralDirectoryOver1MiB_RefusedWithoutReadingIt()
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            archive.CreateEntry("[Content_Types].xml");
            for (var i = 0; i < 12_000; i++)
            {
                archive.CreateEntry($"word/media/{i:D6}-{new string('x', 60)}.bin", CompressionLevel.NoCompression);
            }
        }

        var bytes = stream.ToArray();
        var reads = new List<ByteRange>();

        var detected = await Corpus.SniffAsync(bytes, reads);

        Assert.Equal(MediaTypes.Zip, detected.MediaType);
        Assert.Contains("central directory is larger", detected.Refusal, StringComparison.Ordinal);
        Assert.True(reads.Sum(r => (long)r.Length) <= ContentSniffer.HeadBytes + ContentSniffer.ZipTailBytes);
    }
}
