using System.Text;
using Uploads.Sniffing;
using Uploads.Sniffing.ActiveContent.Office;
using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.Tests;

/// <summary>
/// Issue 20: parts a DOCX imports in another format (<c>altChunk</c>) are checked by their declared type
/// (<see cref="ImportedPartScanner"/>): HTML, web archives (MHT), RTF, plain text, Word documents; anything else refused.
/// </summary>
public sealed class DocxImportedPartsTests
{
    [Theory]
    [InlineData("<p>Text</p>", null)]
    [InlineData("<p>Text</p><img src=\"data:image/png;base64,iVBORw0KGgo=\">", null)]
    [InlineData("<a href=\"https://example.com/\">link</a><a href='#top'>top</a>", null)]
    [InlineData("<p style=\"color:red; background:url(#pattern)\">x</p>", null)]
    [InlineData("<img src=http://example.invalid/a.png>", "OfficeExternalContent:src on <img>")]
    [InlineData("<img src=\"chart.png\">", "OfficeExternalContent:src on <img>")]
    [InlineData("<img srcset=\"https://example.invalid/a.png 2x\">", "OfficeExternalContent:srcset on <img>")]
    [InlineData("<table background=\"\\\\server\\share\\a.png\">", "OfficeExternalContent:background on <table>")]
    [InlineData("<link rel=stylesheet href=\"https://example.invalid/x.css\">", "OfficeExternalContent:href on <link>")]
    [InlineData("<v:imagedata o:href=\"file:///C:/x.png\"/>", "OfficeExternalContent:o:href on <v:imagedata>")]
    [InlineData("<div data-x=\"//example.invalid/a\">x</div>", "OfficeExternalContent:data-x on <div>")]
    [InlineData("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", "OfficeExternalContent:src on <img>")]
    [InlineData("<p style=\"background:u\\72l(https://example.invalid/a.png)\">x</p>", "OfficeExternalContent:a CSS url() to an outside resource in the style attribute of <p>")]
    [InlineData("<style>p { background: url('http://example.invalid/a.png') }</style>", "OfficeExternalContent:a CSS url() to an outside resource in a <style> element")]
    [InlineData("<iframe src=\"about:blank\"></iframe>", "OfficeExternalContent:a <iframe> element")]
    [InlineData("<OBJECT data=x></OBJECT>", "OfficeExternalContent:a <object> element")]
    [InlineData("<base href=\"https://example.invalid/\">", "OfficeExternalContent:a <base> element")]
    [InlineData("<meta http-equiv=\"Refresh\" content=\"0;url=https://example.invalid/\">", "OfficeExternalContent:a <meta http-equiv=\"refresh\"> (it loads another address)")]
    [InlineData("<!--[if gte mso 9]><img src=\"https://example.invalid/a.png\"><![endif]-->", "OfficeExternalContent:src on <img>")]
    [InlineData("<meta http-equiv=\"Link\" content=\"<https://example.invalid/x.css>; rel=stylesheet\">", "OfficeExternalContent:a <meta http-equiv=\"link\"> (it loads another address)")]
    [InlineData("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">", null)]
    [InlineData("<style>v\\:* {behavior:url(#default#VML);} o\\:* {behavior:url(#default#VML);}</style><v:shape style=\"behavior:url(#default#VML)\"/>", null)]
    [InlineData("<style>p {behavior:url(x.htc)}</style>", "OfficeImportedScripts:a script expression in the CSS of a <style> element")]
    [InlineData("<SCRIPT>x()</SCRIPT>", "OfficeImportedScripts:a <script> element")]
    [InlineData("<svg:script>x()</svg:script>", "OfficeImportedScripts:a <script> element")]
    [InlineData("<img src=\"data:image/png;base64,AA\" onerror=\"x()\">", "OfficeImportedScripts:an event-handler attribute onerror on <img>")]
    [InlineData("<a href=\"java&#x09;script:x()\">x</a>", "OfficeImportedScripts:a javascript: URL in href on <a>")]
    [InlineData("<a href=\"&#106;avascript&colon;x()\">x</a>", "OfficeImportedScripts:a javascript: URL in href on <a>")]
    [InlineData("<p style=\"width:expression(alert(1))\">x</p>", "OfficeImportedScripts:a script expression in the CSS of the style attribute of <p>")]
    public void Find_Html_FirstFindingOfEachKind(string body, string? expected)
    {
        var found = new Dictionary<ActiveContentKinds, string>();

        HtmlActiveContent.Find($"<html><body>{body}</body></html>", contentIds: false, Budget(), found, []);

        if (expected is null)
        {
            Assert.Empty(found);
            return;
        }

        var (kind, what) = (Enum.Parse<ActiveContentKinds>(expected[..expected.IndexOf(':', StringComparison.Ordinal)]), expected[(expected.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        Assert.Equal(what, found[kind]);
    }

    [Fact]
    public void Find_HtmlWordField_InstructionHandedOn()
    {
        var instructions = new List<string>();

        HtmlActiveContent.Find(
            "<p><span style='mso-element:field-begin'></span> INCLUDE<b></b>PICTURE \"http://example.invalid/a.png\" <span style='mso-element:field-separator'></span>x<span style='mso-element:field-end'></span></p>",
            contentIds: false,
            Budget(),
            [],
            instructions);

        Assert.Equal(" INCLUDEPICTURE \"http://example.invalid/a.png\" ", Assert.Single(instructions));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, (byte)'<', 0, (byte)'p', 0, (byte)'>', 0 }, "<p>")]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'<', (byte)'p', (byte)'>' }, "<p>")]
    [InlineData(new byte[] { (byte)'<', 0, (byte)'p', 0 }, null)]
    public void Decode_MarkupBytes_TextOrNullWhenUnreadable(byte[] bytes, string? expected)
    {
        Assert.Equal(expected, HtmlActiveContent.Decode(bytes, Budget()));
    }

    [Fact]
    public void Decode_DeclaredUtf7_Unreadable()
    {
        Assert.Null(HtmlActiveContent.Decode("<meta charset=\"UTF-7\">+ADw-script+AD4-"u8, Budget()));
    }

    [Theory]
    [InlineData(@"{\rtf1 plain {\b bold}\par}", null, null)]
    [InlineData(@"{\rtf1 {\object\objemb{\*\objdata 0102}}}", "OfficeEmbeddedObjects", @"an embedded object (\object)")]
    [InlineData(@"{\rtf1 {\object\objautlink{\*\objclass Word.Document.8}}}", "OfficeEmbeddedObjects", @"an embedded object (\object)")]
    [InlineData(@"{\rtf1 {\*\objautlink}}", "OfficeExternalContent", @"a linked object (\objautlink)")]
    [InlineData(@"{\rtf1 {\*\template \\\\server\\share\\t.dotm}}", "OfficeExternalContent", @"a template from outside the document (\template)")]
    [InlineData(@"{\rtf1 {\*\template C:\\Templates\\Normal.dotm}}", null, null)]
    [InlineData(@"{\rtf1 \bin6 \object more}", null, null)]
    [InlineData(@"{\rtf1 \\object is text}", null, null)]
    public void Find_Rtf_ObjectsAndTemplates(string rtf, string? kind, string? what)
    {
        var found = new Dictionary<ActiveContentKinds, string>();

        Assert.Null(RtfActiveContent.Find(Encoding.ASCII.GetBytes(rtf), Budget(), found, []));

        if (kind is null)
        {
            Assert.Empty(found);
        }
        else
        {
            Assert.Equal(what, found[Enum.Parse<ActiveContentKinds>(kind)]);
        }
    }

    [Fact]
    public void Find_RtfFieldSplitAcrossGroupsAndEscapes_InstructionJoined()
    {
        var instructions = new List<string>();

        RtfActiveContent.Find(@"{\rtf1{\field{\*\fldinst{\b DDE}{\'41UTO} cmd}{\fldrslt x}}}"u8, Budget(), [], instructions);

        Assert.Equal("DDEAUTO cmd", Assert.Single(instructions));
    }

    [Fact]
    public void Find_RtfNestedTooDeep_Unverifiable()
    {
        var rtf = Encoding.ASCII.GetBytes(new string('{', RtfActiveContent.MaxDepth + 1));

        Assert.Contains("nests groups more than", RtfActiveContent.Find(rtf, Budget(), [], []), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WebArchiveBase64HtmlInNestedMultipart_Found()
    {
        var html = Convert.ToBase64String("<html><body><img src=\"https://example.invalid/a.png\"></body></html>"u8);
        var mht = "MIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\tboundary=\"outer\"\r\n\r\n"
            + "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
            + $"--inner\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n{html[..20]}\r\n{html[20..]}\r\n--inner--\r\n"
            + "--outer--\r\n";
        var found = new Dictionary<ActiveContentKinds, string>();

        Assert.Null(ImportedPartScanner.Check(ImportedPartScanner.Format.WebArchive, Encoding.ASCII.GetBytes(mht), Allowance(1024 * 1024), found, []));

        Assert.Equal("src on <img>", found[ActiveContentKinds.OfficeExternalContent]);
    }

    [Theory]
    [InlineData("application/x-mso", "holds a part of a type that cannot be checked (application/x-mso")]
    [InlineData("image/png", null)]
    public void Check_WebArchivePartTypes_OnlyCheckableOnes(string type, string? problem)
    {
        var mht = $"Content-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Type: {type}\r\nContent-Location: oledata.mso\r\n\r\nxx\r\n--b--\r\n";

        var result = ImportedPartScanner.Check(ImportedPartScanner.Format.WebArchive, Encoding.ASCII.GetBytes(mht), Allowance(1024 * 1024), [], []);

        if (problem is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.Contains(problem, result, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Check_WebArchiveDecodingPastTheAllowance_Refused()
    {
        var body = new string('A', 9 * 1024 * 1024);
        var mht = $"Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n";
        var allowance = Allowance(1024);

        var result = ImportedPartScanner.Check(ImportedPartScanner.Format.WebArchive, Encoding.ASCII.GetBytes(mht), allowance, [], []);

        Assert.Contains("decodes to more than", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WebArchiveWithoutHeaders_ReadAsMarkup()
    {
        var found = new Dictionary<ActiveContentKinds, string>();

        ImportedPartScanner.Check(ImportedPartScanner.Format.WebArchive, "<html><script>x()</script></html>"u8.ToArray(), Allowance(1024 * 1024), found, []);

        Assert.Equal("a <script> element", found[ActiveContentKinds.OfficeImportedScripts]);
    }

    [Fact]
    public async Task SniffAsync_ImportedPartOfAnotherType_RefusedAsUnverifiable()
    {
        var bytes = DocxPackagePartsTests.Docx(
            ("word/_rels/document.xml.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"r1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk\" Target=\"chunk.bin\"/></Relationships>"),
            ("word/chunk.bin", "MZ"));

        var detected = await Corpus.SniffAsync(bytes);

        Assert.Contains("word/chunk.bin is a part imported in another format (altChunk) of a type that cannot be checked (none declared)", detected.Refusal, StringComparison.Ordinal);
        Assert.StartsWith("The DOCX could not be checked", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_ImportedPartWithoutDeclaredType_Refused()
    {
        var bytes = DocxPackagePartsTests.Docx(
            ("word/_rels/document.xml.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"r1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk\" Target=\"chunk.txt\"/></Relationships>"),
            ("word/chunk.txt", "<script>not run: plain text</script>"));

        var detected = await Corpus.SniffAsync(bytes);

        // No content type declared for .txt: whatever its name says, the part is of no checkable type.
        Assert.Contains("of a type that cannot be checked", detected.Refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<style>")]
    [InlineData("<a b=\"")]
    [InlineData("</")]
    [InlineData("<p style='mso-element:field-begin'>x")]
    [InlineData("<!--<")]
    public void Find_HtmlOfOneShapeRepeated_CostLinear(string shape)
    {
        // 2 MB of one shape: every search resumes where the last ended (no rescans to the end per tag).
        var html = string.Concat(Enumerable.Repeat(shape, 2 * 1024 * 1024 / shape.Length));
        var budget = WorkBudget.ForFile(html.Length);

        HtmlActiveContent.Find(html, contentIds: false, budget, [], []);

        Assert.True(budget.Spent < budget.Limit / 2, $"spent {budget.Spent} of {budget.Limit}");
    }

    [Theory]
    [InlineData(@"{\object")]
    [InlineData(@"{\*ldinst x}")]
    [InlineData(@"'4")]
    public void Find_RtfOfOneShapeRepeated_CostLinear(string shape)
    {
        var rtf = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(shape + "}", 2 * 1024 * 1024 / (shape.Length + 1))));
        var budget = WorkBudget.ForFile(rtf.Length);

        RtfActiveContent.Find(rtf, budget, [], []);

        Assert.True(budget.Spent < budget.Limit / 2, $"spent {budget.Spent} of {budget.Limit}");
    }

    [Theory]
    [InlineData("word/header1.xml")]
    [InlineData("word/_rels/page.xml.rels")]
    public async Task SniffAsync_ImportedXhtmlNamedLikeAnotherPart_CheckedByItsType(string name)
    {
        var bytes = DocxPackagePartsTests.Docx(
            [
                ("word/_rels/document.xml.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"r1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk\" Target=\"" + name[5..] + "\"/></Relationships>"),
                (name, "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><img src=\"https://example.invalid/a.png\"/></body></html>"),
            ],
            $"<Override PartName=\"/{name}\" ContentType=\"application/xhtml+xml\"/>");

        var detected = await Corpus.SniffAsync(bytes);

        Assert.Contains($"DOCX's imported {name} loads content from outside the document (src on <img>)", detected.Refusal, StringComparison.Ordinal);
    }

    private static WorkBudget Budget() => WorkBudget.ForFile(1024 * 1024);

    private static ZipAllowance Allowance(long fileLength) => new(Budget(), fileLength);
}
