using System.Text;
using Uploads.Sniffing.ActiveContent.Pdf;

namespace Uploads.Sniffing.Tests;

/// <summary>The PDF stream decoders the active-content scanner uses beyond FlateDecode: known vectors, the corpus, bounds and random input.</summary>
public sealed class PdfFiltersTests
{
    [Fact]
    public void Decode_LzwStreamOfTheCorpus_YieldsTheTextAcrossCodeWidths()
    {
        // pdf-lzw-content-clean.pdf: object 4 is LZW with about 1,500 codes (9, 10 and 11 bits), written by make_pdfs.py and read by qpdf.
        var file = ActiveCorpus.Read("pdf-lzw-content-clean.pdf");
        var start = file.AsSpan().IndexOf("stream\n"u8) + 7;
        var length = file.AsSpan(start).IndexOf("\nendstream"u8);
        var expected = string.Join("\n", Enumerable.Range(0, 64).Select(i => $"BT /F1 9 Tf 72 {760 - (11 * i)} Td (Line {i}: revenue {i * 7919 % 10007} units {i * 104729 % 65521}) Tj ET"));

        var (result, text) = Decode("LZWDecode", file.AsSpan(start, length).ToArray(), 1 << 20);

        Assert.Equal(PdfFilters.Result.Ok, result);
        Assert.Equal(expected, Encoding.ASCII.GetString(text));
    }

    [Theory]
    [InlineData("ASCIIHexDecode", "48 65 6c6C\n6F7>ignored", "Hellop")]
    [InlineData("ASCII85Decode", "9jqo^BlbD-BleB1DJ+*+F(f,q~>", "Man is distinguished")]
    [InlineData("ASCII85Decode", "<~z9jqo^~>", "\0\0\0\0Man ")]
    [InlineData("ASCII85Decode", "9jqo^F*~>", "Man s")]
    public void Decode_KnownVector_Decodes(string filter, string encoded, string expected)
    {
        var (result, text) = Decode(filter, Encoding.ASCII.GetBytes(encoded), 1024);

        Assert.Equal(PdfFilters.Result.Ok, result);
        Assert.Equal(expected, Encoding.Latin1.GetString(text));
    }

    [Fact]
    public void Decode_RunLength_LiteralAndRepeatRuns()
    {
        var (result, text) = Decode("RunLengthDecode", [2, (byte)'a', (byte)'b', (byte)'c', 254, (byte)'z', 128, 0, (byte)'x'], 1024);

        Assert.Equal(PdfFilters.Result.Ok, result);
        Assert.Equal("abczzz", Encoding.ASCII.GetString(text));
    }

    [Theory]
    [InlineData("RunLengthDecode")]
    [InlineData("LZWDecode")]
    public void Decode_ExpandingInput_StopsAtTheCap(string filter)
    {
        // Run-length: 128 zeros per 2 bytes. LZW: the same code sequence repeated grows each string by one byte.
        var input = filter == "RunLengthDecode" ? [.. Enumerable.Repeat<byte[]>([129, 0], 10_000).SelectMany(b => b)] : LzwOfZeros(3000);

        var (result, text) = Decode(filter, input, 100_000);

        Assert.Equal(PdfFilters.Result.TooLarge, result);
        Assert.True(text.Length <= 100_000);
    }

    [Theory]
    [InlineData("ASCIIHexDecode", "4G")]
    [InlineData("ASCII85Decode", "9jqo^v")]
    [InlineData("ASCII85Decode", "s8W-\"~>")]
    public void Decode_InvalidCharacters_Damaged(string filter, string encoded)
    {
        var (result, _) = Decode(filter, Encoding.ASCII.GetBytes(encoded), 1024);

        Assert.Equal(PdfFilters.Result.Damaged, result);
    }

    [Fact]
    public void Decode_LzwCodeNotYetDefined_Damaged()
    {
        // 9-bit codes: clear (256), then 300, which is not in the table.
        var (result, _) = Decode("LZWDecode", Pack([256, 300], 9), 1024);

        Assert.Equal(PdfFilters.Result.Damaged, result);
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void Decode_RandomInput_NeverThrowsNorPassesTheCap(int seed)
    {
        var random = new Random(seed);
        string[] filters = ["FlateDecode", "LZWDecode", "ASCIIHexDecode", "ASCII85Decode", "RunLengthDecode"];
        for (var i = 0; i < 2000; i++)
        {
            var input = new byte[random.Next(0, 2048)];
            random.NextBytes(input);
            var cap = random.Next(0, 8192);

            var (_, text) = Decode(filters[i % filters.Length], input, cap, earlyChange: random.Next(2) == 0);

            Assert.True(text.Length <= cap, $"{filters[i % filters.Length]}: {text.Length} > {cap}");
        }
    }

    private static (PdfFilters.Result Result, byte[] Output) Decode(string filter, byte[] input, int cap, bool earlyChange = true)
    {
        using var output = new MemoryStream();
        var result = PdfFilters.Decode(filter, input, cap, earlyChange, output, WorkBudget.ForFile(input.Length));
        return (result, output.ToArray());
    }

    /// <summary>LZW of a long run of zeros: 0, 258, 259, 260, ... (each code one byte longer than the last), widths as EarlyChange 1 reads them.</summary>
    private static byte[] LzwOfZeros(int codes)
    {
        var list = new List<int> { 256, 0 };
        for (var code = 258; list.Count < codes && code < 4095; code++)
        {
            list.Add(code);
        }

        var widths = new int[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            var next = 258 + Math.Max(0, i - 2);
            widths[i] = 9;
            while (next + 1 >= 1 << widths[i] && widths[i] < 12)
            {
                widths[i]++;
            }
        }

        return Pack(list, widths);
    }

    private static byte[] Pack(IReadOnlyList<int> codes, int width) => Pack(codes, [.. codes.Select(_ => width)]);

    private static byte[] Pack(IReadOnlyList<int> codes, int[] widths)
    {
        var bits = new List<bool>();
        for (var i = 0; i < codes.Count; i++)
        {
            for (var b = widths[i] - 1; b >= 0; b--)
            {
                bits.Add(((codes[i] >> b) & 1) != 0);
            }
        }

        var bytes = new byte[(bits.Count + 7) / 8];
        for (var i = 0; i < bits.Count; i++)
        {
            if (bits[i])
            {
                bytes[i / 8] |= (byte)(0x80 >> (i % 8));
            }
        }

        return bytes;
    }
}
