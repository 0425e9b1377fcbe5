using Uploads.Core.Naming;

namespace Uploads.Core.Tests.Naming;

public sealed class BlobPathTests
{
    [Fact]
    public void Create_ClientAndName_PrefixesClientAndEndsWithName()
    {
        var path = BlobPath.Create("acme", "report.pdf");

        var parts = path.Split('/');
        Assert.Equal(3, parts.Length);
        Assert.Equal("acme", parts[0]);
        Assert.Equal(32, parts[1].Length);
        Assert.True(parts[1].All(char.IsAsciiHexDigitLower));
        Assert.Equal("report.pdf", parts[2]);
    }

    [Fact]
    public void Create_ManyPaths_AreDistinct()
    {
        var paths = Enumerable.Range(0, 10_000).Select(_ => BlobPath.Create("acme", "a.txt")).ToHashSet();

        Assert.Equal(10_000, paths.Count);
    }

    [Fact]
    public void Create_RandomSegment_UsesAllBits()
    {
        // 128 random bits: over many paths every hex digit position takes many values (a constant or counter would not).
        var segments = Enumerable.Range(0, 2_000).Select(_ => BlobPath.Create("c", "a.txt").Split('/')[1]).ToArray();

        for (var position = 0; position < 32; position++)
        {
            Assert.True(segments.Select(s => s[position]).Distinct().Count() >= 14, $"position {position} is not random");
        }
    }

    [Fact]
    public void IsOwnedBy_OwnPath_TrueWithFileName()
    {
        var path = BlobPath.Create("acme", "report.pdf");

        Assert.True(BlobPath.IsOwnedBy(path, "acme", out var fileName));
        Assert.Equal("report.pdf", fileName);
    }

    [Theory]
    [InlineData("other/0123456789abcdef0123456789abcdef/report.pdf")]
    [InlineData("acme/0123456789abcdef/report.pdf")]
    [InlineData("acme/0123456789ABCDEF0123456789ABCDEF/report.pdf")]
    [InlineData("acme/0123456789abcdef0123456789abcdef/../x.pdf")]
    [InlineData("acme/0123456789abcdef0123456789abcdef/a/b.pdf")]
    [InlineData("acme/report.pdf")]
    [InlineData("")]
    [InlineData(null)]
    public void IsOwnedBy_ForeignOrMalformedPath_False(string? path)
    {
        Assert.False(BlobPath.IsOwnedBy(path, "acme", out _));
    }
}
