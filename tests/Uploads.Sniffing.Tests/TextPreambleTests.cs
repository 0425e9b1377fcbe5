using System.Text;
using Uploads.Sniffing;

namespace Uploads.Sniffing.Tests;

/// <summary>
/// What may precede markup (issue 20): an HTML page behind byte order marks, white space and control characters in any
/// order and number, in UTF-8 and in UTF-16 behind its byte order mark, is HTML, never text; ordinary text behind the
/// same stays text.
/// </summary>
public sealed class TextPreambleTests
{
    private const string Page = "<html><script>alert(1)</script></html>\n";

    /// <summary>The pieces a preamble is made of (as characters; encoded per test): BOM, white space, ESC, NUL, another C0 control, DEL, NBSP, zero-width space.</summary>
    private static readonly string[] Pieces = ["\uFEFF", " ", "\t", "\r\n", "\f", "\u001B", "\0", "\u0001", "\u007F", "\u00A0", "\u200B"];

    public static TheoryData<string, string> Preambles()
    {
        // Every ordered choice of up to three pieces (repeats included: BOM BOM, space BOM space), in each encoding.
        var data = new TheoryData<string, string>();
        foreach (var encoding in new[] { "utf-8", "utf-8-bom", "utf-16le", "utf-16be" })
        {
            foreach (var a in Pieces)
            {
                data.Add(encoding, a);
                foreach (var b in Pieces)
                {
                    data.Add(encoding, a + b);
                }
            }

            foreach (var a in new[] { " ", "\uFEFF", "\u001B" })
            {
                foreach (var b in Pieces)
                {
                    foreach (var c in Pieces)
                    {
                        data.Add(encoding, a + b + c);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Preambles))]
    public async Task SniffAsync_HtmlBehindPreamble_IsHtml(string encoding, string preamble)
    {
        var detected = await Corpus.SniffAsync(Encode(encoding, preamble + Page));

        Assert.Equal(MediaTypes.Html, detected.MediaType);
    }

    [Theory]
    [MemberData(nameof(Preambles))]
    public async Task SniffAsync_TextBehindPreamble_IsNotHtml(string encoding, string preamble)
    {
        var detected = await Corpus.SniffAsync(Encode(encoding, preamble + "Meeting notes: bring <b> and <html> examples.\n"));

        Assert.NotEqual(MediaTypes.Html, detected.MediaType);
    }

    [Theory]
    [InlineData("utf-8", "\uFEFF  ")]
    [InlineData("utf-8", "  \uFEFF")]
    [InlineData("utf-8", "\t\uFEFF\uFEFF\r\n")]
    [InlineData("utf-8", "\u001B\uFEFF")]
    [InlineData("utf-16le", "\uFEFF \t")]
    [InlineData("utf-16be", " \uFEFF\r\n")]
    public async Task SniffAsync_OrdinaryTextBehindBomAndWhiteSpace_IsAcceptedText(string encoding, string preamble)
    {
        var detected = await Corpus.SniffAsync(Encode(encoding, preamble + "Line one\nLine two < three\n"));

        Assert.Equal(MediaTypes.PlainText, detected.MediaType);
        Assert.Null(detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_HtmlBehindLongWhiteSpace_IsHtml()
    {
        // Far past the 4 KiB a tag is looked for in, still within the head.
        var detected = await Corpus.SniffAsync(Encode("utf-8", new string(' ', 20_000) + "\uFEFF" + Page));

        Assert.Equal(MediaTypes.Html, detected.MediaType);
    }

    /// <summary>The bytes of <paramref name="text"/>: UTF-8 (with a leading BOM for "utf-8-bom"), or UTF-16 behind its BOM.</summary>
    private static byte[] Encode(string encoding, string text) => encoding switch
    {
        "utf-8" => Encoding.UTF8.GetBytes(text),
        "utf-8-bom" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)],
        "utf-16le" => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)],
        "utf-16be" => [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(text)],
        _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
    };
}
