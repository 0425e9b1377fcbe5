using Azure.Storage.Blobs.Models;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Verification;

/// <summary>
/// The reconciliation pass and the status share one rule of "verified" (<see cref="VerdictStore.IsVerified(BlobItem)"/>):
/// a blob verified and then moved to another tier through its upload URL keeps its ETag and its verdict tags, yet is
/// verified to neither, so the pass hands it to the verifier, which quarantines it as the status says.
/// </summary>
public sealed class ReconcilerTierTests(AzuriteSharedKeyFixture fixture) : AppServicesTest(fixture.Azurite), IClassFixture<AzuriteSharedKeyFixture>
{
    protected override Task<UploadsServices> StartServicesAsync() =>
        UploadsServices.StartAsync(Azurite, new Dictionary<string, string?> { ["Verification:ReconcileGracePeriod"] = "00:00:00" });

    [Fact]
    public async Task RunAsync_VerifiedThenMovedToCool_NotCountedVerifiedAndQuarantined()
    {
        var blobPath = await PresignedUploadAsync(await File.ReadAllBytesAsync(TestFixtures.CorpusFile("image.png")), "logo.png", "image/png");
        var verified = await Services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);
        Assert.Equal(UploadState.Verified, verified.Status!.Status);
        var blob = Uploads.GetBlobClient(blobPath);
        var etag = (await blob.GetPropertiesAsync()).Value.ETag;

        await blob.SetAccessTierAsync(AccessTier.Cool);

        // The premise: Set Blob Tier keeps the ETag, so the verdict tags alone still match.
        Assert.Equal(etag, (await blob.GetPropertiesAsync()).Value.ETag);
        Assert.True(VerdictTags.IsVerifiedFor((await blob.GetTagsAsync()).Value.Tags, etag));
        var (status, _) = await Services.Get<VerdictStore>().ReadAsync(blobPath, CancellationToken.None);
        Assert.Equal(UploadState.Pending, status!.Status);

        var pass = await Services.Get<UploadReconciler>().RunAsync(CancellationToken.None);

        Assert.Equal(0, pass.AlreadyVerified);
        Assert.Equal(1, pass.Rejected);
        Assert.False((await blob.ExistsAsync()).Value);
        Assert.True((await Quarantine.GetBlobClient(blobPath).ExistsAsync()).Value);
        var (after, _) = await Services.Get<VerdictStore>().ReadAsync(blobPath, CancellationToken.None);
        Assert.Equal(UploadState.Rejected, after!.Status);
        Assert.Contains("Cool tier", after.Reason, StringComparison.Ordinal);
    }
}
