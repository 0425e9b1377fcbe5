using Uploads.Core.Naming;

namespace Uploads.Core.Tests.Naming;

public sealed class BlobPathTests
{
    [Fact]
    public void Create_ClientAndName_PrefixesClientAndEndsWithName()
    {
        var path = BlobPath.Create("acme", "report.pdf", DateTimeOffset.UtcNow);

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
        var paths = Enumerable.Range(0, 10_000).Select(_ => BlobPath.Create("acme", "a.txt", DateTimeOffset.UtcNow)).ToHashSet();

        Assert.Equal(10_000, paths.Count);
    }

    [Fact]
    public void Create_RandomSegment_UsesAllRandomBits()
    {
        // 96 random bits after the issue time: over many paths every one of those hex digit positions takes many
        // values (a constant or counter would not).
        var now = DateTimeOffset.UtcNow;
        var segments = Enumerable.Range(0, 2_000).Select(_ => BlobPath.Create("c", "a.txt", now).Split('/')[1]).ToArray();

        for (var position = 8; position < 32; position++)
        {
            Assert.True(segments.Select(s => s[position]).Distinct().Count() >= 14, $"position {position} is not random");
        }
    }

    [Fact]
    public void IssuedAt_CreatedPath_GivesTheIssueSecond()
    {
        var issued = new DateTimeOffset(2026, 12, 1, 23, 15, 42, 700, TimeSpan.Zero);

        var path = BlobPath.Create("acme", "a.txt", issued);

        Assert.Equal(new DateTimeOffset(2026, 12, 1, 23, 15, 42, TimeSpan.Zero), BlobPath.IssuedAt(path));
        Assert.StartsWith("acme/" + issued.ToUnixTimeSeconds().ToString("x8", System.Globalization.CultureInfo.InvariantCulture), path, StringComparison.Ordinal);
    }

    [Fact]
    public void IsOwnedBy_OwnPath_TrueWithFileName()
    {
        var path = BlobPath.Create("acme", "report.pdf", DateTimeOffset.UtcNow);

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

    [Fact]
    public void FileName_CreatedPath_GivesTheNameItWasIssuedFor()
    {
        var path = BlobPath.Create("acme", "holiday photo.jpg", DateTimeOffset.UnixEpoch.AddDays(20000));

        Assert.Equal("holiday photo.jpg", BlobPath.FileName(path));
        Assert.True(BlobPath.IsWellFormed(path, out _, out var parsed));
        Assert.Equal(parsed, BlobPath.FileName(path));
    }

    [Theory]
    [InlineData("a/b/c/report.pdf", "report.pdf")]
    [InlineData("report.pdf", "report.pdf")]
    [InlineData("acme/", "")]
    public void FileName_AnyBlobName_GivesItsLastSegment(string blobName, string expected)
    {
        Assert.Equal(expected, BlobPath.FileName(blobName));
    }
}
