using Azure;
using Azure.Storage.Blobs.Models;
using Uploads.Core.Verification;

namespace Uploads.Core.Tests.Verification;

/// <summary>
/// "Is this blob verified?" has one answer, <see cref="VerdictStore.IsVerified(BlobProperties, IDictionary{string, string})"/>,
/// whether the status reads the blob's properties or the reconciliation pass lists it: a blob verified and then moved
/// to another tier through its upload URL (no new ETag, the tags still match) is verified to neither.
/// </summary>
public sealed class VerifiedRuleTests
{
    private static readonly ETag Checked = new("\"0x8DD0000000000A1\"");

    private static Dictionary<string, string> Tags(ETag etag) =>
        VerdictTags.ForVerified(etag, "image/png", new DateTimeOffset(2026, 12, 6, 18, 0, 0, TimeSpan.Zero));

    private static BlobProperties Properties(string? tier, bool inferred, ETag etag) =>
        BlobsModelFactory.BlobProperties(blobType: BlobType.Block, accessTier: tier, accessTierInferred: inferred, eTag: etag);

    private static BlobItem Listed(string? tier, bool inferred, ETag etag, IDictionary<string, string>? tags) =>
        BlobsModelFactory.BlobItem(
            name: "acme/2026/12/06/x/logo.png",
            properties: BlobsModelFactory.BlobItemProperties(accessTierInferred: inferred, blobType: BlobType.Block, accessTier: tier is null ? (AccessTier?)null : new AccessTier(tier), eTag: etag),
            tags: tags);

    [Theory]
    [InlineData("Hot", true, true)]
    [InlineData(null, false, true)]
    [InlineData("Hot", false, true)]
    [InlineData("Cool", false, false)]
    [InlineData("Cold", false, false)]
    [InlineData("Archive", false, false)]
    public void IsVerified_VerifiedThenTiered_SameAnswerForStatusAndReconciler(string? tier, bool inferred, bool expected)
    {
        var tags = Tags(Checked);

        var status = VerdictStore.IsVerified(Properties(tier, inferred, Checked), tags);
        var reconciler = VerdictStore.IsVerified(Listed(tier, inferred, Checked, tags));

        Assert.Equal(expected, status);
        Assert.Equal(expected, reconciler);
    }

    [Fact]
    public void IsVerified_TagsForOtherContent_NotVerified()
    {
        var tags = Tags(new ETag("\"0x8DD0000000000B2\""));

        Assert.False(VerdictStore.IsVerified(Properties("Hot", true, Checked), tags));
        Assert.False(VerdictStore.IsVerified(Listed("Hot", true, Checked, tags)));
    }

    [Fact]
    public void IsVerified_ListedWithoutTags_NotVerified()
    {
        Assert.False(VerdictStore.IsVerified(Listed("Hot", true, Checked, tags: null)));
    }
}
