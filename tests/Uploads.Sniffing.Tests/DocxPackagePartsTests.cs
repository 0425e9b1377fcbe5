using System.IO.Compression;
using System.Text;
using Uploads.Sniffing;
using Uploads.Sniffing.ActiveContent.Office;

namespace Uploads.Sniffing.Tests;

/// <summary>
/// Issue 27: every entry of a DOCX must be reachable through relationships from the package root
/// (<see cref="PartGraph"/>): target resolution (dot segments, above the root, absolute, backslashes, fragments),
/// relationship cycles, case and percent-encoding of names, orphan and external relationships.
/// </summary>
public sealed class DocxPackagePartsTests
{
    private const string Relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    [Theory]
    [InlineData("word/document.xml", "styles.xml", "word/styles.xml")]
    [InlineData("word/document.xml", "./styles.xml", "word/styles.xml")]
    [InlineData("word/document.xml", "../customXml/item1.xml", "customXml/item1.xml")]
    [InlineData("word/document.xml", "media/../media/./image1.png", "word/media/image1.png")]
    [InlineData("word/document.xml", "/word/styles.xml", "word/styles.xml")]
    [InlineData("word/document.xml", "../../../evil.exe", "evil.exe")]
    [InlineData("word/document.xml", "media\\image1.png", "word/media/image1.png")]
    [InlineData("word/document.xml", "styles.xml#part", "word/styles.xml")]
    [InlineData("", "word/document.xml", "word/document.xml")]
    [InlineData("", "/word//document.xml", "word/document.xml")]
    [InlineData("customXml/item1.xml", "itemProps1.xml", "customXml/itemProps1.xml")]
    public void Resolve_Target_PartNameAsConsumersResolveIt(string source, string target, string expected)
    {
        Assert.Equal(expected, PartGraph.Resolve(source, target));
    }

    [Theory]
    [InlineData("_rels/.rels", true, "")]
    [InlineData("word/_rels/document.xml.rels", true, "word/document.xml")]
    [InlineData("customXml/_rels/item1.xml.rels", true, "customXml/item1.xml")]
    [InlineData("word/_RELS/Document.xml.RELS", true, "word/Document.xml")]
    [InlineData("evil.rels", false, null)]
    [InlineData("word/_rels/sub/x.rels", false, null)]
    public void IsRelationshipPart_Name_RelationshipPartsAndTheirSources(string name, bool expected, string? source)
    {
        Assert.Equal(expected, PartGraph.IsRelationshipPart(name));
        if (source is not null)
        {
            Assert.Equal(source, PartGraph.SourceOf(name));
            Assert.Equal(name, PartGraph.RelationshipsOf(source), StringComparer.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task SniffAsync_EveryPartReferenced_Accepted()
    {
        var detected = await Corpus.SniffAsync(Docx(DocumentRelationships(("styles", "styles.xml")), ("word/styles.xml", "<w:styles/>")));

        Assert.Equal(MediaTypes.Docx, detected.MediaType);
        Assert.Null(detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_UnreferencedExecutableAtTheRoot_RefusedNamingIt()
    {
        var detected = await Corpus.SniffAsync(Docx(DocumentRelationships(), ("evil.exe", "MZ")));

        Assert.Equal(MediaTypes.Docx, detected.MediaType);
        Assert.StartsWith("The document contains a file that no part refers to: evil.exe. ", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_RelationshipCycle_EndsAndAccepted()
    {
        // styles.xml refers back to document.xml and to itself; document.xml refers to styles.xml.
        var detected = await Corpus.SniffAsync(Docx(
            DocumentRelationships(("styles", "styles.xml")),
            ("word/styles.xml", "<w:styles/>"),
            ("word/_rels/styles.xml.rels", Rels(("officeDocument", "document.xml"), ("styles", "styles.xml"), ("styles", "../../word/styles.xml")))));

        Assert.Null(detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_TargetAboveTheRoot_ClampedToTheRootAsConsumersDo()
    {
        var detected = await Corpus.SniffAsync(Docx(DocumentRelationships(("image", "../../../../logo.png")), ("logo.png", "png")));

        Assert.Null(detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_TargetOutsideThePackageOnly_PartLeftUnreferencedRefused()
    {
        // An external target names no part: the entry of the same name is still unreferenced.
        var relationships = Rels(("hyperlink", "file:///C:/evil.exe")).Replace("/>", " TargetMode=\"External\"/>", StringComparison.Ordinal);
        var detected = await Corpus.SniffAsync(Docx(("word/_rels/document.xml.rels", relationships), ("word/evil.exe", "MZ")));

        Assert.Contains("no part refers to: word/evil.exe", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_NamesDifferingInCaseAndPercentEncoded_Found()
    {
        var detected = await Corpus.SniffAsync(Docx(
            DocumentRelationships(("styles", "STYLES.XML"), ("image", "media/chart%20one.png"), ("image", "media/%C3%A9t%C3%A9.png")),
            ("word/styles.xml", "<w:styles/>"),
            ("word/media/chart one.png", "png"),
            ("word/media/été.png", "png")));

        Assert.Null(detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_PartReachedOnlyFromAnOrphanRelationshipPart_Refused()
    {
        var detected = await Corpus.SniffAsync(Docx(
            DocumentRelationships(),
            ("word/_rels/gone.xml.rels", Rels(("image", "payload.bin"))),
            ("word/payload.bin", "MZ")));

        Assert.Contains("no part refers to: word/payload.bin", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_EmptyFolderEntries_Accepted()
    {
        var detected = await Corpus.SniffAsync(Docx(DocumentRelationships(), ("word/", string.Empty), ("docProps/", string.Empty)));

        Assert.Null(detected.Refusal);
    }

    [Fact]
    public async Task SniffAsync_UnreferencedPartAndMacros_MacrosNamedFirst()
    {
        var detected = await Corpus.SniffAsync(Docx(DocumentRelationships(("vbaProject", "vbaProject.bin")), ("word/vbaProject.bin", "x"), ("evil.exe", "MZ")));

        Assert.Contains("contains macros", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_UnreferencedPartAndMacrosAllowed_UnreferencedStillRefused()
    {
        var bytes = Docx(DocumentRelationships(("vbaProject", "vbaProject.bin")), ("word/vbaProject.bin", "x"), ("evil.exe", "MZ"));

        var detected = await ContentSniffer.SniffAsync((range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length)), bytes.Length, ActiveContentKinds.OfficeMacros);

        Assert.Contains("no part refers to: evil.exe", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_ManyRelationshipParts_CostLinear()
    {
        // 2,000 parts, each with relationships to every part before it would be quadratic; here each refers to the
        // next and back to the main part: every part visited once, every relationship resolved once.
        const int Count = 2000;
        var parts = new List<(string, string)> { DocumentRelationships(("styles", "p0.xml")) };
        for (var i = 0; i < Count; i++)
        {
            parts.Add(($"word/p{i}.xml", "<x/>"));
            parts.Add(($"word/_rels/p{i}.xml.rels", Rels(("styles", $"p{i + 1}.xml"), ("officeDocument", "document.xml"), ("styles", $"p{i}.xml"))));
        }

        var bytes = Docx([.. parts]);
        var budget = WorkBudget.ForFile(bytes.Length);

        var detected = await ContentSniffer.SniffAsync((range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length)), bytes.Length, ActiveContentKinds.None, budget);

        Assert.Null(detected.Refusal);
        Assert.True(budget.Spent < budget.Limit / 4, $"spent {budget.Spent} of {budget.Limit}");
    }

    private static (string, string) DocumentRelationships(params (string Kind, string Target)[] relationships) =>
        ("word/_rels/document.xml.rels", Rels(relationships));

    private static string Rels(params (string Kind, string Target)[] relationships) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + string.Concat(relationships.Select((r, i) => $"<Relationship Id=\"rId{i + 1}\" Type=\"{Relationships}/{r.Kind}\" Target=\"{r.Target}\"/>"))
        + "</Relationships>";

    /// <summary>A DOCX of <c>[Content_Types].xml</c>, <c>_rels/.rels</c> (to word/document.xml), a small main part and <paramref name="parts"/>.</summary>
    internal static byte[] Docx(params (string Name, string Content)[] parts) => Docx(parts, string.Empty);

    /// <summary>As <see cref="Docx(ValueTuple{string, string}[])"/>, with <paramref name="types"/> added to <c>[Content_Types].xml</c>.</summary>
    internal static byte[] Docx((string Name, string Content)[] parts, string types)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                + types + "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>");
            Add("_rels/.rels", Rels(("officeDocument", "word/document.xml")));
            Add("word/document.xml", "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p/></w:body></w:document>");
            foreach (var (name, content) in parts)
            {
                Add(name, content);
            }

            void Add(string name, string content)
            {
                using var entry = archive.CreateEntry(name).Open();
                entry.Write(Encoding.UTF8.GetBytes(content));
            }
        }

        return stream.ToArray();
    }
}
