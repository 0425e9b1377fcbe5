using Uploads.Core.Contracts;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Verification;

/// <summary>
/// Post-upload verification against real Azurite (OAuth + HTTPS: user-delegation signing, as in Azure), for every
/// file of the corpus through both upload paths: verdicts, quarantine, idempotency, status.
/// </summary>
public sealed class VerificationTests(AzuriteOAuthFixture fixture) : AppServicesTest(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>
{
    private UploadVerifier Verifier => Services.Get<UploadVerifier>();

    private async Task<Outcome<DirectUploadResponse>> DirectUploadAsync(byte[] content, string fileName)
    {
        var (body, type, length) = await Multipart.FileAsync(fileName, content);
        return await Services.Get<DirectUploadService>().UploadAsync(Client, type, length, body, CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(Corpus.Passing), MemberType = typeof(Corpus))]
    public async Task VerifyAsync_PresignedUploadOfRealFile_VerifiedAndIdempotent(string file)
    {
        var entry = Corpus.Get(file);
        var (name, type) = entry.Declared();
        var blobPath = await PresignedUploadAsync(await File.ReadAllBytesAsync(entry.Path), name, type);

        var first = await Verifier.VerifyAsync(blobPath, CancellationToken.None);
        var again = await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        Assert.True(first.Decided);
        Assert.Equal(UploadState.Verified, first.Status!.Status);
        Assert.Equal(entry.ExpectedType, first.Status.DetectedType);
        var properties = (await Uploads.GetBlobClient(blobPath).GetPropertiesAsync()).Value;
        Assert.Equal(entry.ExpectedType, properties.ContentType);
        Assert.False(again.Decided);
        Assert.Equal(0, again.BytesRead);
        Assert.Equal(UploadState.Verified, again.Status!.Status);
    }

    [Theory]
    [MemberData(nameof(Corpus.Passing), MemberType = typeof(Corpus))]
    public async Task DirectUpload_RealFile_StoredAndAlreadyVerified(string file)
    {
        var entry = Corpus.Get(file);
        var (name, _) = entry.Declared();

        var outcome = await DirectUploadAsync(await File.ReadAllBytesAsync(entry.Path), name);

        Assert.Null(outcome.Problem);
        var result = await Verifier.VerifyAsync(outcome.Value!.BlobPath, CancellationToken.None);
        Assert.False(result.Decided);
        Assert.Equal(UploadState.Verified, result.Status!.Status);
        Assert.Equal(entry.ExpectedType, result.Status.DetectedType);
    }

    [Theory]
    [MemberData(nameof(Corpus.Failing), MemberType = typeof(Corpus))]
    public async Task VerifyAsync_PresignedUploadNotWhatItClaims_QuarantinedWithReason(string file)
    {
        var entry = Corpus.Get(file);
        var (name, type) = entry.Declared();
        var content = await File.ReadAllBytesAsync(entry.Path);
        var blobPath = await PresignedUploadAsync(content, name, type);

        var result = await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        Assert.True(result.Decided);
        Assert.Equal(UploadState.Rejected, result.Status!.Status);
        Assert.False(string.IsNullOrWhiteSpace(result.Status.Reason));
        Assert.False((await Uploads.GetBlobClient(blobPath).ExistsAsync()).Value);
        var quarantined = Quarantine.GetBlobClient(blobPath);
        Assert.Equal(content, (await quarantined.DownloadContentAsync()).Value.Content.ToArray());
        Assert.Equal(result.Status.Reason, QuarantineMetadata.Read((await quarantined.GetPropertiesAsync()).Value.Metadata, QuarantineMetadata.Reason));

        var again = await Verifier.VerifyAsync(blobPath, CancellationToken.None);
        Assert.False(again.Decided);
        Assert.Equal(UploadState.Rejected, again.Status!.Status);
        Assert.Equal(result.Status.Reason, again.Status.Reason);
    }

    [Theory]
    [MemberData(nameof(Corpus.Failing), MemberType = typeof(Corpus))]
    public async Task DirectUpload_NotWhatItClaims_415AndNothingStored(string file)
    {
        var entry = Corpus.Get(file);
        var (name, _) = entry.Declared();
        var before = await CountBlobsAsync(Uploads, "acme/");

        var outcome = await DirectUploadAsync(await File.ReadAllBytesAsync(entry.Path), name);

        Assert.Equal(415, outcome.Problem!.Status);
        Assert.Equal(before, await CountBlobsAsync(Uploads, "acme/"));
    }

    [Fact]
    public async Task VerifyAsync_PngNamedJpeg_RejectionNamesBothTypes()
    {
        var blobPath = await PresignedUploadAsync(await File.ReadAllBytesAsync(Corpus.Get("image.png").Path), "photo.jpg", "image/jpeg");

        var result = await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        Assert.Equal(UploadState.Rejected, result.Status!.Status);
        Assert.Contains("image/jpeg", result.Status.Reason, StringComparison.Ordinal);
        Assert.Contains("image/png", result.Status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectUpload_PdfNamedPng_415NamesBothTypes()
    {
        var outcome = await DirectUploadAsync(await File.ReadAllBytesAsync(Corpus.Get("document.pdf").Path), "picture.png");

        Assert.Equal(415, outcome.Problem!.Status);
        Assert.Contains("image/png", outcome.Problem.Detail, StringComparison.Ordinal);
        Assert.Contains("application/pdf", outcome.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_OverwrittenAfterVerification_PendingThenCheckedAgain()
    {
        var blobPath = await PresignedUploadAsync(await File.ReadAllBytesAsync(Corpus.Get("image.png").Path), "a.png", "image/png");
        Assert.Equal(UploadState.Verified, (await Verifier.VerifyAsync(blobPath, CancellationToken.None)).Status!.Status);

        // The client may overwrite within the hour (the URL carries Write): the verdict no longer applies.
        await Uploads.GetBlobClient(blobPath).UploadAsync(new BinaryData(await File.ReadAllBytesAsync(Corpus.Get("document.pdf").Path)), overwrite: true);
        var result = await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        Assert.True(result.Decided);
        Assert.Equal(UploadState.Rejected, result.Status!.Status);
    }

    [Fact]
    public async Task VerifyAsync_MetadataChangedAfterVerification_CheckedAgain()
    {
        var blobPath = await PresignedUploadAsync(await File.ReadAllBytesAsync(Corpus.Get("image.png").Path), "a.png", "image/png");
        await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        await Uploads.GetBlobClient(blobPath).SetMetadataAsync(new Dictionary<string, string> { ["verdict"] = "verified" });
        var result = await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        Assert.True(result.Decided);
        Assert.Equal(UploadState.Verified, result.Status!.Status);
    }

    [Fact]
    public async Task VerifyAsync_DuplicateEventsAtOnce_OneVerdictOneQuarantinedCopy()
    {
        var blobPath = await PresignedUploadAsync(await File.ReadAllBytesAsync(Corpus.Get("document.pdf").Path), "a.png", "image/png");

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Verifier.VerifyAsync(blobPath, CancellationToken.None)));

        Assert.All(results, r => Assert.NotEqual(UploadState.Verified, r.Status?.Status));
        Assert.Equal(1, await CountBlobsAsync(Quarantine, blobPath));
        Assert.False((await Uploads.GetBlobClient(blobPath).ExistsAsync()).Value);
        Assert.Equal(UploadState.Rejected, (await Verifier.VerifyAsync(blobPath, CancellationToken.None)).Status!.Status);
    }

    [Fact]
    public async Task VerifyAsync_BlobDeletedBeforeTheEvent_NoErrorNoStatus()
    {
        var blobPath = await PresignedUploadAsync(await File.ReadAllBytesAsync(Corpus.Get("image.png").Path), "a.png", "image/png");
        await Uploads.GetBlobClient(blobPath).DeleteAsync();

        var result = await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        Assert.Null(result.Status);
        Assert.False(result.Decided);
    }

    [Fact]
    public async Task VerifyAsync_ImageOverItsCategoryLimit_RejectedAsTooLarge()
    {
        var png = await File.ReadAllBytesAsync(Corpus.Get("image.png").Path);
        var content = new byte[50 * 1024 * 1024 + 1];
        png.CopyTo(content, 0);
        var blobPath = await PresignedUploadAsync(content, "huge.png", "image/png");

        var result = await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        Assert.Equal(UploadState.Rejected, result.Status!.Status);
        Assert.Contains("at most", result.Status.Reason, StringComparison.Ordinal);
        Assert.True(result.BytesRead < 1024 * 1024, $"read {result.BytesRead} bytes of a 50 MiB blob");
    }

    [Fact]
    public async Task Status_PendingBlob_VerifiedOnTheSpot()
    {
        var blobPath = await PresignedUploadAsync(await File.ReadAllBytesAsync(Corpus.Get("document.pdf").Path), "report.pdf", "application/pdf");

        var status = await Services.Get<UploadStatusService>().GetAsync(Client, blobPath, CancellationToken.None);

        Assert.Equal(UploadState.Verified, status.Value!.Status);
        Assert.Equal("application/pdf", status.Value.DetectedType);
    }

    [Fact]
    public async Task Status_AnotherClientsPath_NotFound()
    {
        var blobPath = await PresignedUploadAsync(await File.ReadAllBytesAsync(Corpus.Get("document.pdf").Path), "report.pdf", "application/pdf");

        var status = await Services.Get<UploadStatusService>().GetAsync(new ApiClient("globex"), blobPath, CancellationToken.None);

        Assert.Equal(404, status.Problem!.Status);
    }

    [Fact]
    public async Task Status_NeverUploaded_NotFound()
    {
        var status = await Services.Get<UploadStatusService>().GetAsync(Client, global::Uploads.Core.Naming.BlobPath.Create("acme", "x.pdf", DateTimeOffset.UtcNow), CancellationToken.None);

        Assert.Equal(404, status.Problem!.Status);
    }
}
