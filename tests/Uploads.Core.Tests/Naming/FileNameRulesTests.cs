using Uploads.Core.Naming;
using Uploads.Policy;

namespace Uploads.Core.Tests.Naming;

public sealed class FileNameRulesTests
{
    [Theory]
    [InlineData("meeting-recording.mp4")]
    [InlineData("report final (v2).pdf")]
    [InlineData("Übersicht_2024.docx")]
    [InlineData("写真.jpg")]
    [InlineData("noextension")]
    [InlineData("a")]
    public void Check_PlainName_IsValid(string name)
    {
        Assert.True(FileNameRules.Check(name).IsValid);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("../etc/passwd", "path separator")]
    [InlineData("..", "..")]
    [InlineData("a..b.txt", "..")]
    [InlineData("dir/file.txt", "path separator")]
    [InlineData("dir\\file.txt", "path separator")]
    [InlineData("C:file.txt", "path separator")]
    [InlineData("what?.txt", "path separator")]
    [InlineData("tab\there.txt", "U+0009")]
    [InlineData("nul\0.txt", "U+0000")]
    [InlineData("del\u007f.txt", "U+007F")]
    [InlineData("c1\u0085.txt", "U+0085")]
    [InlineData("invoice\u202Efdp.exe", "U+202E")]
    [InlineData("isolate\u2066x.txt", "U+2066")]
    [InlineData("zero\u200Bwidth.txt", "U+200B")]
    [InlineData("bom\uFEFF.txt", "U+FEFF")]
    [InlineData("CON", "reserved")]
    [InlineData("con.txt", "reserved")]
    [InlineData("LPT1.pdf", "reserved")]
    [InlineData("COM\u00B9.txt", "reserved")]
    [InlineData("trailing.", "dot or a space")]
    [InlineData("trailing ", "dot or a space")]
    [InlineData(".hidden", "dot or a space")]
    public void Check_UnsafeName_IsRefusedWithReason(string? name, string reasonFragment)
    {
        var check = FileNameRules.Check(name);

        Assert.False(check.IsValid);
        Assert.Contains(reasonFragment, check.Problem!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Check_OverLongName_IsRefused()
    {
        Assert.True(FileNameRules.Check(new string('a', FileNameRules.MaxLength - 4) + ".txt").IsValid);
        Assert.False(FileNameRules.Check(new string('a', FileNameRules.MaxLength - 3) + ".txt").IsValid);
    }

    [Fact]
    public void Check_LoneSurrogate_IsRefused()
    {
        Assert.False(FileNameRules.Check("bad\uD800.txt").IsValid);
    }

    [Fact]
    public void Check_DecomposedUnicode_IsRefused()
    {
        Assert.False(FileNameRules.Check("U\u0308bersicht.txt").IsValid);
    }

    [Theory]
    [InlineData("a.PDF", ".pdf")]
    [InlineData("archive.tar.gz", ".gz")]
    [InlineData("noext", "")]
    public void ExtensionOf_Name_ReturnsLowerCaseExtension(string name, string expected)
    {
        Assert.Equal(expected, UploadPolicy.ExtensionOf(name));
    }
}
