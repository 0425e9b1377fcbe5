using BenchmarkDotNet.Attributes;
using Uploads.Sniffing;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// Sniff time per type: one representative corpus file per type, sniffed from an in-memory copy through
/// <see cref="ContentSniffer.SniffAsync"/> (so the head, tail and later ranges are all counted).
/// </summary>
[MemoryDiagnoser]
public class SniffBenchmarks
{
    private byte[] _bytes = [];

    [ParamsSource(nameof(Files))]
    public string File { get; set; } = "";

    public static IEnumerable<string> Files =>
    [
        "video-h264.mp4", "video.mov", "video.avi", "video.mkv", "video.webm",
        "audio-cbr.mp3", "audio-id3-400k.mp3", "audio.aac", "audio-pcm16.wav", "audio-junk-bext.wav", "audio-vorbis.ogg",
        "image.jpg", "image.png", "image.gif", "image.webp", "image-minimal.svg", "image-large.svg", "trap-svg-script.svg",
        "document.pdf", "document.doc", "trap-spreadsheet.xls", "document-python-docx.docx", "document-libreoffice.docx", "trap-spreadsheet.xlsx",
        "text-utf8.txt", "text-large-utf8.txt", "binary-random.bin",
    ];

    [GlobalSetup]
    public void Setup() => _bytes = System.IO.File.ReadAllBytes(TestFixtures.CorpusFile(File));

    [Benchmark]
    public async Task<string> Sniff()
    {
        var bytes = _bytes;
        var detected = await ContentSniffer.SniffAsync(
            (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length)),
            bytes.Length).ConfigureAwait(false);
        return detected.MediaType;
    }
}
