using System.Text;
using Uploads.Adversarial;
using Uploads.Sniffing;
using Uploads.Sniffing.ActiveContent.Svg;

namespace Uploads.Sniffing.Tests.Bounded;

/// <summary>
/// SVGs crafted for hostile work (<see cref="SvgShapes"/>) are refused for their structure or checked cheaply at every
/// size up to the SVG cap; the internal DTD is read before any parser sees it and only short text entities pass.
/// </summary>
public sealed class SvgCostTests
{
    private const string Root = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"1\" height=\"1\"/></svg>";

    public static TheoryData<string, int> ShapesAndSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (var shape in SvgShapes.All)
        {
            foreach (var size in new[] { 4 * 1024, 64 * 1024, 1024 * 1024, ContentSniffer.MaxSvgBytes })
            {
                data.Add(shape.Name, size);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShapesAndSizes))]
    public async Task SniffAsync_SvgShape_RefusedForItsStructureOrCheckedCheaply(string name, int size)
    {
        var shape = SvgShapes.All.Single(s => s.Name == name);
        var bytes = shape.Make(size);

        var (detected, budget) = await Sniff(bytes);

        Assert.True(bytes.Length <= Math.Max(size, 64 * 1024), $"{name}: {bytes.Length} bytes for a target of {size}");
        Assert.Equal(MediaTypes.Svg, detected.MediaType);
        if (shape.Clean)
        {
            Assert.Null(detected.Refusal);
        }
        else
        {
            Assert.NotNull(detected.Refusal);
            Assert.True(detected.Refusal.StartsWith("The SVG's DOCTYPE ", StringComparison.Ordinal) || detected.Refusal.StartsWith("The SVG nests elements", StringComparison.Ordinal), detected.Refusal);
        }

        // Assembling a 4 MiB SVG from its ranges costs about a quarter of its budget by itself (the held bytes are copied each round).
        Assert.True(budget.Spent < budget.Limit / 2, $"{name} at {size}: spent {budget.Spent} of {budget.Limit}");
    }

    [Theory]
    [InlineData("svg-attlist-defaults")]
    [InlineData("svg-entity-expansion")]
    public async Task SniffAsync_DoctypeSvgRefused_DecidedFromTheHeadAlone(string name)
    {
        var bytes = SvgShapes.All.Single(s => s.Name == name).Make(ContentSniffer.MaxSvgBytes);
        var reads = new List<ByteRange>();

        var detected = await Corpus.SniffAsync(bytes, reads);

        Assert.StartsWith("The SVG's DOCTYPE ", detected.Refusal, StringComparison.Ordinal);
        Assert.Single(reads);
    }

    [Fact]
    public async Task SniffAsync_StyleOfManyFragmentUrls_AllocatesLinearly()
    {
        var bytes = SvgShapes.StyleUrlFragments(1024 * 1024);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var (detected, _) = await Sniff(bytes);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(detected.Refusal);
        Assert.True(allocated < 64L * 1024 * 1024, $"{allocated} bytes allocated for a 1 MiB SVG");
    }

    [Theory]
    [InlineData("<!ATTLIST svg onload CDATA \"alert(1)\">", "declares default attributes (<!ATTLIST>)")]
    [InlineData("<!ELEMENT svg ANY>", "declares element types (<!ELEMENT>)")]
    [InlineData("<!NOTATION png SYSTEM \"image/png\">", "declares a notation (<!NOTATION>)")]
    [InlineData("<!ENTITY % p \"x\">", "declares a parameter entity (<!ENTITY % ...>)")]
    [InlineData("%p;", "uses a parameter entity (%name;)")]
    [InlineData("<!ENTITY a \"x\"><!ENTITY b \"&a;&a;\">", "declares an entity 'b' whose text holds markup or references (<, & or %)")]
    [InlineData("<!ENTITY s \"&#60;script&#62;\">", "declares an entity 's' whose text holds markup or references")]
    [InlineData("<!ENTITY s '<g onload=\"x\"/>'>", "declares an entity 's' whose text holds markup or references")]
    [InlineData("<!ENTITY s \"50%\">", "declares an entity 's' whose text holds markup or references")]
    [InlineData("<![INCLUDE[ ]]>", "holds something other than entity declarations, comments and processing instructions")]
    public async Task SniffAsync_InternalSubsetBeyondTextEntities_Refused(string subset, string reason)
    {
        var bytes = Encoding.UTF8.GetBytes($"<?xml version=\"1.0\"?><!DOCTYPE svg [{subset}]>{Root}");

        var (detected, _) = await Sniff(bytes);

        Assert.Equal(MediaTypes.Svg, detected.MediaType);
        Assert.StartsWith($"The SVG's DOCTYPE {reason}", detected.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<!ENTITY x SYSTEM \"file:///etc/passwd\">")]
    [InlineData("<!ENTITY x PUBLIC \"-//X//Y\" \"https://example.com/x\">")]
    public async Task SniffAsync_ExternalEntity_RefusedAsBefore(string subset)
    {
        var bytes = Encoding.UTF8.GetBytes($"<!DOCTYPE svg [{subset}]>{Root}");

        var (detected, _) = await Sniff(bytes);

        Assert.Equal("The SVG contains active content (an external entity declaration); SVGs with scripts, event handlers or script links are refused because they would run wherever the image is opened.", detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_EntityLongerThanTheBound_Refused()
    {
        var bytes = Encoding.UTF8.GetBytes($"<!DOCTYPE svg [<!ENTITY long \"{new string('a', SvgReader.MaxEntityChars + 1)}\">]>{Root}");

        var (detected, _) = await Sniff(bytes);

        Assert.Contains($"declares an entity 'long' longer than {SvgReader.MaxEntityChars} characters", detected.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SniffAsync_EntitiesUpToTheBound_AcceptedOneMoreRefused(bool oneMore)
    {
        var subset = new StringBuilder();
        for (var i = 0; i < SvgReader.MaxEntities + (oneMore ? 1 : 0); i++)
        {
            subset.Append("<!ENTITY st").Append(i).Append(" \"fill:#FFFFFF;stroke:#000000;\">\n");
        }

        var bytes = Encoding.UTF8.GetBytes($"<!DOCTYPE svg [\n{subset}]>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><rect style=\"&st0;\" width=\"1\" height=\"1\"/></svg>");

        var (detected, _) = await Sniff(bytes);

        Assert.Equal(MediaTypes.Svg, detected.MediaType);
        if (oneMore)
        {
            Assert.Contains($"declares more than {SvgReader.MaxEntities} entities", detected.Refusal, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(detected.Refusal);
        }
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    public async Task SniffAsync_IllustratorEntitiesWithCommentsAndInstructions_Accepted(string encoding)
    {
        var text = "<?xml version=\"1.0\"?>\n<!-- Generator: Adobe Illustrator -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\" [\n"
            + "\t<!ENTITY ns_svg \"http://www.w3.org/2000/svg\">\n\t<!-- a comment -->\n\t<?pi data?>\n\t<!ENTITY ns_xlink 'http://www.w3.org/1999/xlink'>\n]>\n"
            + "<svg version=\"1.1\" xmlns=\"&ns_svg;\" xmlns:xlink=\"&ns_xlink;\"><rect width=\"1\" height=\"1\"/></svg>";
        var bytes = Encoding.GetEncoding(encoding).GetPreamble().Concat(Encoding.GetEncoding(encoding).GetBytes(text)).ToArray();

        var (detected, _) = await Sniff(bytes);

        Assert.Equal(MediaTypes.Svg, detected.MediaType);
        Assert.Null(detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_IllustratorCorpusFile_StillAccepted()
    {
        var (detected, _) = await Sniff(Corpus.Read("image-illustrator-entities.svg"));

        Assert.Equal(MediaTypes.Svg, detected.MediaType);
        Assert.Null(detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_RefusedDtdOnOtherXml_TypeUnchanged()
    {
        var bytes = Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><!DOCTYPE note [<!ATTLIST note id CDATA \"1\"><!ELEMENT note ANY>]><note>text</note>");

        var (detected, _) = await Sniff(bytes);

        Assert.Equal(MediaTypes.Xml, detected.MediaType);
        Assert.Null(detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_RefusedDtdNamingAnotherRootOnSvg_Refused()
    {
        var bytes = Encoding.UTF8.GetBytes($"<!DOCTYPE other [<!ATTLIST rect onclick CDATA \"alert(1)\">]>{Root}");

        var (detected, _) = await Sniff(bytes);

        Assert.Equal(MediaTypes.Svg, detected.MediaType);
        Assert.StartsWith("The SVG's DOCTYPE declares default attributes", detected.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SvgScanner.MaxDepth, false)]
    [InlineData(SvgScanner.MaxDepth + 1, true)]
    public async Task SniffAsync_NestedElements_RefusedPastTheBound(int levels, bool refused)
    {
        // The root is one level: levels - 1 groups inside it.
        var bytes = Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\">" + string.Concat(Enumerable.Repeat("<g>", levels - 1)) + string.Concat(Enumerable.Repeat("</g>", levels - 1)) + "</svg>");

        var (detected, _) = await Sniff(bytes);

        Assert.Equal(refused, detected.Refusal is not null);
        if (refused)
        {
            Assert.StartsWith($"The SVG nests elements more than {SvgScanner.MaxDepth} deep", detected.Refusal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Evaluate_AttlistShapeWhileStreaming_RefusedFromTheHead()
    {
        var bytes = SvgShapes.AttlistDefaults(ContentSniffer.MaxSvgBytes);
        var input = new SniffInput(null);
        input.Add(0, bytes.AsMemory(0, ContentSniffer.HeadBytes));

        var outcome = ContentSniffer.Evaluate(input);

        var detected = Assert.IsType<SniffOutcome.Detected>(outcome);
        Assert.StartsWith("The SVG's DOCTYPE declares default attributes", detected.Refusal, StringComparison.Ordinal);
    }

    private static async Task<(SniffOutcome.Detected Detected, WorkBudget Budget)> Sniff(byte[] bytes)
    {
        var budget = WorkBudget.ForFile(bytes.Length);
        var detected = await ContentSniffer.SniffAsync(
            (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length)),
            bytes.Length,
            ActiveContentKinds.None,
            budget);
        return (detected, budget);
    }
}
