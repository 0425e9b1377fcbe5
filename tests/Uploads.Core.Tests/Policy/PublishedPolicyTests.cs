using System.Text.Json;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Policy;
using Uploads.Policy;

namespace Uploads.Core.Tests.Policy;

public sealed class PublishedPolicyTests
{
    private static PublishedPolicy Published(long directUploadMaxBytes = UploadPolicy.DirectUploadMaxBytes) =>
        new(Options.Create(new UploadOptions { DirectUploadMaxBytes = directUploadMaxBytes }));

    [Fact]
    public void Build_EveryAllowedType_WithItsCategoryExtensionsAndLimit()
    {
        var policy = PublishedPolicy.Build(UploadPolicy.DirectUploadMaxBytes);

        Assert.Equal(UploadPolicy.AllowedTypes.Select(t => t.MediaType), policy.Types.Select(t => t.ContentType));
        var mp4 = policy.Types[0];
        Assert.Equal(("video/mp4", "video", 5L * 1024 * 1024 * 1024), (mp4.ContentType, mp4.Category, mp4.MaxBytes));
        Assert.Equal([".mp4", ".m4v"], mp4.Extensions);
        Assert.Equal(UploadPolicy.Aliases.Count, policy.Aliases.Count);
        Assert.Equal(policy.Aliases.Keys.Order(StringComparer.Ordinal), policy.Aliases.Keys);
        Assert.Equal(10L * 1024 * 1024, policy.DirectUploadMaxBytes);
    }

    [Fact]
    public void Json_CamelCaseNamesOfTheContract()
    {
        using var json = JsonDocument.Parse(Published().Json);

        Assert.Equal(["types", "aliases", "directUploadMaxBytes"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["contentType", "category", "extensions", "maxBytes"], json.RootElement.GetProperty("types")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("text/plain", json.RootElement.GetProperty("aliases").GetProperty("text/csv").GetString());
    }

    [Fact]
    public void ETag_StrongQuotedAndChangesWithTheDeployment()
    {
        var standard = Published();

        Assert.Matches("^\"[0-9a-f]{32}\"$", standard.ETag);
        Assert.Equal(standard.ETag, Published().ETag);
        Assert.NotEqual(standard.ETag, Published(5 * ByteSize.MiB).ETag);
    }

    [Theory]
    [InlineData("{0}", true)]
    [InlineData("W/{0}", true)]
    [InlineData("\"a\", {0}", true)]
    [InlineData("\"a\",{0}", true)]
    [InlineData("*", true)]
    [InlineData("\"a\"", false)]
    [InlineData("", false)]
    public void IsCurrent_IfNoneMatch(string header, bool current)
    {
        var policy = Published();

        Assert.Equal(current, policy.IsCurrent([string.Format(System.Globalization.CultureInfo.InvariantCulture, header, policy.ETag)]));
    }

    [Fact]
    public void IsCurrent_NoHeaderOrTagInALaterHeaderLine()
    {
        var policy = Published();

        Assert.False(policy.IsCurrent([]));
        Assert.True(policy.IsCurrent(["\"a\"", policy.ETag]));
    }
}
