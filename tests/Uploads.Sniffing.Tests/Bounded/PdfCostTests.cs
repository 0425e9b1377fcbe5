using System.Text;
using Uploads.Adversarial;
using Uploads.Sniffing.ActiveContent.Pdf;

namespace Uploads.Sniffing.Tests.Bounded;

/// <summary>
/// The crafted PDFs of <see cref="PdfShapes"/> (issue "Bounded verification") are refused for their structure, or
/// accepted when clean, at a cost linear in their size and well under the check's budget; the work is asserted
/// through <see cref="WorkBudget.Spent"/>, never through time.
/// </summary>
public sealed class PdfCostTests
{
    private static readonly System.Buffers.SearchValues<byte> NameEnds = System.Buffers.SearchValues.Create(" \t\r\n>/"u8);

    private const long MaxAllocatedBase = 64L * 1024 * 1024;
    private const int MaxAllocatedPerByte = 24;

    public static TheoryData<int> Sizes => [4 * 1024, 64 * 1024, 1024 * 1024, 4 * 1024 * 1024];

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task SniffAsync_ObjectStreamRepeatingOneOffset_RefusedAsMalformedCheaply(int size)
    {
        var (detected, budget, _) = await SniffAsync("pdf-objstm-repeated-offsets", size);

        Assert.Contains("object stream 4 is malformed: its header gives object 10 offset 0, not after the offset 0 of the object before", detected.Refusal, StringComparison.Ordinal);
        Assert.True(budget.Spent < budget.Limit / 4, $"{budget.Spent} of {budget.Limit}");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task SniffAsync_StreamsNestedInEachOthersData_RefusedCheaply(int size)
    {
        var (detected, budget, _) = await SniffAsync("pdf-nested-streams", size);

        Assert.Contains("stream 5 starts inside the data of stream 4, which was decoded already", detected.Refusal, StringComparison.Ordinal);
        Assert.True(budget.Spent < budget.Limit / 4, $"{budget.Spent} of {budget.Limit}");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task SniffAsync_XfaPacketOfManyOpenBrackets_AcceptedCheaply(int size)
    {
        var (detected, budget, _) = await SniffAsync("pdf-xfa-quadratic", size);

        Assert.Null(detected.Refusal);
        Assert.Equal(MediaTypes.Pdf, detected.MediaType);
        Assert.True(budget.Spent < budget.Limit / 4, $"{budget.Spent} of {budget.Limit}");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task SniffAsync_XfaPacketOfManyOpenBracketsEndingInScript_RefusedForXfaScriptsCheaply(int size)
    {
        var (detected, budget, _) = await SniffAsync("pdf-xfa-quadratic-script", size);

        Assert.Contains("PDF's XFA form runs scripts (<script> in the XFA template)", detected.Refusal, StringComparison.Ordinal);
        Assert.Contains(detected.ActiveContent, f => f.Kind == ActiveContentKinds.PdfFormScripts);
        Assert.True(budget.Spent < budget.Limit / 4, $"{budget.Spent} of {budget.Limit}");
    }

    /// <summary>Dense references cost what parsing them costs (each parsed once, each edge visited once): linear, a few units a byte.</summary>
    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task SniffAsync_ScriptsBehindReferenceFanIn_RefusedForTheTracedTriggerAtLinearCost(int size)
    {
        var (detected, budget, length) = await SniffAsync("pdf-objstm-edges", size);

        Assert.Contains("PDF runs JavaScript when it is opened (/OpenAction)", detected.Refusal, StringComparison.Ordinal);
        Assert.True(budget.Spent < (WorkBudget.BaseUnits / 8) + (16L * length), $"{budget.Spent} for {length} bytes");
        Assert.True(budget.Spent < budget.Limit * 3 / 4, $"{budget.Spent} of {budget.Limit}");
    }

    /// <summary>Each stream that may be an XFA packet costs a decoder's set-up, whatever its size: linear in the count, a few units a byte.</summary>
    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task SniffAsync_ManyTinyFlateStreams_ProbedAtLinearCost(int size)
    {
        var (detected, budget, length) = await SniffAsync("pdf-many-tiny-streams", size);

        Assert.Contains("(/Launch)", detected.Refusal, StringComparison.Ordinal);
        Assert.True(budget.Spent < (WorkBudget.BaseUnits / 8) + (8L * length), $"{budget.Spent} for {length} bytes");
    }

    [Theory]
    [InlineData("pdf-objstm-repeated-offsets", "object stream 4 is malformed", 50)]
    [InlineData("pdf-nested-streams", "stream 4 is larger than 16 MiB", 50)]
    [InlineData("pdf-xfa-quadratic", null, 50)]
    [InlineData("pdf-xfa-quadratic-script", "PDF's XFA form runs scripts", 50)]
    [InlineData("pdf-objstm-edges", "it has more than 1000000 action references", 75)] // 16 MiB of script objects parsed first
    [InlineData("pdf-many-tiny-streams", "(/Launch)", 75)]
    public async Task SniffAsync_ShapeAt32MiB_DecidedForItsStructureWithinItsBudget(string shape, string? reason, int percent)
    {
        var (detected, budget, _) = await SniffAsync(shape, 32 * 1024 * 1024);

        if (reason is null)
        {
            Assert.Null(detected.Refusal);
        }
        else
        {
            Assert.Contains(reason, detected.Refusal, StringComparison.Ordinal);
        }

        Assert.True(budget.Spent < budget.Limit * percent / 100, $"{budget.Spent} of {budget.Limit}");
    }

    /// <summary>A streaming caller feeds small chunks: objects and streams that wait for more bytes are parsed again only when twice as many are held.</summary>
    [Theory]
    [InlineData("pdf-objstm-edges")]
    [InlineData("pdf-xfa-quadratic")]
    [InlineData("pdf-nested-streams")]
    public async Task Stream_ShapeIn4KiBChunks_SameVerdictAtAboutTheSameCost(string shape)
    {
        var (whole, wholeBudget, _) = await SniffAsync(shape, 1024 * 1024);
        var bytes = PdfShapes.All.Single(s => s.Name == shape).Make(1024 * 1024);
        var budget = WorkBudget.ForFile(bytes.Length);

        var streamed = Streamed(bytes, 4096, budget);

        Assert.Equal(whole.Refusal, streamed.Refusal);
        Assert.True(budget.Spent < (wholeBudget.Spent * 3 / 2) + (1024 * 1024), $"{budget.Spent} streamed, {wholeBudget.Spent} whole");
    }

    [Fact]
    public void Stream_LargeObjectIn4KiBChunks_ParsedAgainOnlyWhenTwiceAsManyBytesAreHeld()
    {
        var body = new StringBuilder("%PDF-1.7\n1 0 obj\n<< /Kids [");
        while (body.Length < 3 * 1024 * 1024)
        {
            body.Append("7 0 R ");
        }

        var bytes = Encoding.ASCII.GetBytes(body.Append("] >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n").ToString());
        var whole = WorkBudget.ForFile(bytes.Length);
        var chunked = WorkBudget.ForFile(bytes.Length);

        Assert.Null(Streamed(bytes, bytes.Length, whole).Refusal);
        Assert.Null(Streamed(bytes, 4096, chunked).Refusal);

        // Parsed at 64 KiB, 128 KiB, 256 KiB, ... of the object: the parses add up to about twice the object.
        Assert.True(chunked.Spent < whole.Spent * 3, $"{chunked.Spent} in 4 KiB chunks, {whole.Spent} whole");
    }

    [Theory]
    [InlineData("1 0 5 10 2 0", "object stream 9 is malformed: its header gives object 2 offset 0, not after the offset 10 of the object before")]
    [InlineData("1 0 2 0", "object stream 9 is malformed: its header gives object 2 offset 0, not after the offset 0 of the object before")]
    public async Task SniffAsync_ObjectStreamOffsetsNotIncreasing_RefusedAsMalformed(string header, string reason)
    {
        var content = header + " " + "<< /S /GoTo >> << /S /GoTo >> << /S /GoTo >>";
        var bytes = Encoding.ASCII.GetBytes(
            $"%PDF-1.7\n9 0 obj\n<< /Type /ObjStm /N 3 /First {header.Length + 1} /Length {content.Length} >>\nstream\n{content}\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");

        var detected = await Corpus.SniffAsync(bytes);

        Assert.Contains(reason, detected.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<template><script>app.alert(1)</script></template>", true)]
    [InlineData("<xfa:script contentType=\"x\">a</xfa:script>", true)]
    [InlineData("<<script>a", true)]
    [InlineData("<script/>", false)]
    [InlineData("<script a=\"1\"/>", false)]
    [InlineData("<a:b:script>x</a:b:script>", false)]
    [InlineData("<script", false)]
    [InlineData("</script><scripts>x</scripts>", false)]
    [InlineData("<a><b x=\":\"><script>x", true)]
    public void XfaHasScript_KnownPackets_FindsScriptsWithABody(string xml, bool expected)
    {
        Assert.Equal(expected, PdfScanner.XfaHasScript(Encoding.ASCII.GetBytes(xml), WorkBudget.ForFile(xml.Length)));
    }

    /// <summary>The one-pass probe decides as the old search did (kept here as the oracle) on random packets of the characters that matter.</summary>
    [Fact]
    public void XfaHasScript_RandomPackets_SameAsSearchingFromEachBracket()
    {
        var random = new Random(19);
        var alphabet = "<<<>:/ \nscriptab"u8.ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            var xml = new byte[random.Next(0, 40)];
            for (var j = 0; j < xml.Length; j++)
            {
                xml[j] = random.Next(4) == 0 && j + 6 <= xml.Length ? (byte)'s' : alphabet[random.Next(alphabet.Length)];
            }

            if (random.Next(3) == 0 && xml.Length > 8)
            {
                "script"u8.CopyTo(xml.AsSpan(random.Next(xml.Length - 6)));
            }

            Assert.True(Oracle(xml) == PdfScanner.XfaHasScript(xml, WorkBudget.ForFile(xml.Length)), Encoding.ASCII.GetString(xml));
        }
    }

    [Fact]
    public void XfaHasScript_ManyOpenBracketsWithoutNameEnd_LooksAtEachByteAFewTimes()
    {
        var xml = Encoding.ASCII.GetBytes(new string('<', 1024 * 1024) + ":a>");
        var budget = WorkBudget.ForFile(xml.Length);

        Assert.False(PdfScanner.XfaHasScript(xml, budget));
        Assert.True(budget.Spent < 4L * xml.Length, $"{budget.Spent} for {xml.Length} bytes");
    }

    /// <summary>The old probe (quadratic): at each <c>&lt;</c>, the first colon and name end after it.</summary>
    private static bool Oracle(byte[] xml)
    {
        var span = xml.AsSpan();
        int at;
        while ((at = span.IndexOf("<"u8)) >= 0)
        {
            span = span[(at + 1)..];
            var colon = span.IndexOf((byte)':');
            var nameEnd = span.IndexOfAny(NameEnds);
            if (nameEnd < 0)
            {
                break;
            }

            var name = colon >= 0 && colon < nameEnd ? span[(colon + 1)..nameEnd] : span[..nameEnd];
            if (name.SequenceEqual("script"u8) && span[nameEnd] != '/')
            {
                var close = span.IndexOf((byte)'>');
                return close > 0 && span[close - 1] != '/';
            }
        }

        return false;
    }

    private static async Task<(SniffOutcome.Detected Detected, WorkBudget Budget, int Length)> SniffAsync(string shape, int size)
    {
        var bytes = PdfShapes.All.Single(s => s.Name == shape).Make(size);
        Assert.InRange(bytes.Length, 1, size + (size / 8) + 4096);
        var budget = WorkBudget.ForFile(bytes.Length);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var detected = await ContentSniffer.SniffAsync(
            (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length)),
            bytes.Length,
            ActiveContentKinds.None,
            budget);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(MediaTypes.Pdf, detected.MediaType);
        Assert.False(budget.IsSpent, detected.Refusal);

        // The sources complete synchronously, so the whole check ran on this thread: its allocations are linear too.
        Assert.True(allocated < MaxAllocatedBase + (MaxAllocatedPerByte * bytes.Length), $"{allocated} bytes allocated for {bytes.Length}");
        return (detected, budget, bytes.Length);
    }

    /// <summary>A streaming caller charging <paramref name="budget"/>: Evaluate over the head, then the scanner fed in chunks.</summary>
    private static SniffOutcome.Detected Streamed(byte[] bytes, int chunk, WorkBudget budget)
    {
        var input = new SniffInput(bytes.Length) { Budget = budget };
        SniffOutcome outcome;
        while ((outcome = ContentSniffer.Evaluate(input)) is SniffOutcome.NeedBytes need)
        {
            input.Add(need.Range.Offset, bytes.AsMemory((int)need.Range.Offset, need.Range.Length));
        }

        var scanner = ActiveContentScanner.For((SniffOutcome.Detected)outcome, ActiveContentKinds.None, budget)!;
        for (var at = 0; at < bytes.Length; at += chunk)
        {
            scanner.Write(bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at)));
        }

        return scanner.Complete();
    }
}
