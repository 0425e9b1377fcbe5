using System.Text;
using Uploads.Sniffing.ActiveContent.Pdf;
using Uploads.Testing;
using static Uploads.Adversarial.ContainerBytes;

namespace Uploads.Sniffing.Tests;

/// <summary>
/// The PDF end rule (<see cref="PdfEnd"/>): what follows the last <c>%%EOF</c>, a payload behind an <c>%%EOF</c> of its
/// own, a ZIP end record in the last bytes, fed in chunks of every size so that a split <c>%%EOF</c> is still found.
/// The fixture sets (tests/fixtures/carriers/make-pdf-end.sh) pin the whole files on both paths.
/// </summary>
public sealed class PdfEndTests
{
    private static readonly byte[] Base = FixtureSet.Get(FixtureSet.Producers, "documents-gs-from-ps.pdf").Read();

    private static readonly byte[] Executable = MakeExe(256);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Complete_ExecutableAfterTheLastEofInChunksOfAnySize_NamesItAndItsOffset(int chunk)
    {
        var refusal = Feed([.. Base, .. Executable], chunk);

        Assert.Contains($"a Windows executable in the bytes after the PDF's end (its last %%EOF) at offset {Base.Length}", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public void Complete_ExecutableClosedByAnEofOfItsOwn_Refused(int chunk)
    {
        var refusal = Feed([.. Base, .. Executable, .. "\n%%EOF\n"u8], chunk);

        Assert.Contains($"a Windows executable in the bytes after an %%EOF at offset {Base.Length}", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    public void Complete_PaddingUpToTheTolerance_Accepted(int chunk)
    {
        // The base ends in "%%EOF\n": its line feed is padding too.
        Assert.Null(Feed([.. Base, .. new byte[PdfEnd.PaddingTolerance - 1]], chunk));
        Assert.Contains("bytes of padding (more than 4096)", Feed([.. Base, .. new byte[PdfEnd.PaddingTolerance]], chunk), StringComparison.Ordinal);
    }

    [Fact]
    public void Complete_NoEofAtAll_Accepted()
    {
        Assert.Null(Feed("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"u8.ToArray(), 16));
    }

    [Fact]
    public void Complete_IncrementalUpdateAndEofMentionedInText_Accepted()
    {
        var update = "2 0 obj\n<< /Length 20 >>\nstream\nBT (%%EOF) Tj ET\nendstream\nendobj\nxref\n2 1\n0000000000 00000 n \ntrailer\n<< /Size 3 >>\nstartxref\n1\n%%EOF\r\n"u8;

        Assert.Null(Feed([.. Base, .. update], 5));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(200_000)]
    public void Complete_ZipEndRecordInTheLastBytesOfALongFile_Refused(int commentBytes)
    {
        // A ZIP end record (one entry, its directory of 46 bytes) whose ZIP comment covers a PDF comment and %%EOF.
        var rest = Encoding.ASCII.GetBytes("\n%" + new string('x', 40) + "\n%%EOF\n");
        var end = new byte[22];
        "PK\x05\x06"u8.CopyTo(end);
        end[8] = 1;
        end[10] = 1;
        end[12] = 46;
        BitConverter.TryWriteBytes(end.AsSpan(20), (ushort)rest.Length);
        byte[] file = [.. Base, .. Encoding.ASCII.GetBytes("%" + new string('c', commentBytes) + "\n%"), .. end, .. rest];

        var refusal = Feed(file, 4096);

        Assert.Contains($"a ZIP archive (its end-of-central-directory record) in the PDF's last bytes at offset {file.Length - rest.Length - 22}", refusal, StringComparison.Ordinal);
    }

    private static string? Feed(byte[] file, int chunk)
    {
        var end = new PdfEnd(WorkBudget.ForFile(file.Length));
        for (var at = 0; at < file.Length; at += chunk)
        {
            end.Write(file.AsSpan(at, Math.Min(chunk, file.Length - at)));
        }

        return end.Complete();
    }
}
