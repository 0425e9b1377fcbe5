using Uploads.Core.Uploads;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Verification;

/// <summary>
/// Every file of the active-content corpus (tests/fixtures/active-content) gets its manifest verdict through both
/// paths against real Azurite: a presigned upload checked by the verifier (range reads) is verified or quarantined
/// with the reason; a direct upload (one pass over the stream) is stored verified or answered 415 with the same reason.
/// </summary>
public sealed class ActiveContentVerificationTests(AzuriteOAuthFixture fixture) : AppServicesTest(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>
{
    private static readonly string Directory = TestFixtures.ActiveContentDirectory;

    public static TheoryData<string> Files() => [.. CorpusManifest.ActiveContentFiles];

    private static CorpusManifest.ActiveEntry Entry(string file) => CorpusManifest.ActiveContent.Single(e => e.File == file);

    [Theory]
    [MemberData(nameof(Files))]
    public async Task VerifyAsync_PresignedActiveContentFile_VerdictAndReasonAsManifest(string file)
    {
        var entry = Entry(file);
        var content = await File.ReadAllBytesAsync(Path.Combine(Directory, file));
        var blobPath = await PresignedUploadAsync(content, "upload" + Path.GetExtension(file), entry.ExpectedType);
        var result = await Services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);

        Assert.True(result.Decided);
        if (!entry.Refused)
        {
            Assert.Equal(UploadState.Verified, result.Status!.Status);
            Assert.True(result.BytesRead >= content.Length, $"read {result.BytesRead} of {content.Length} bytes");
            return;
        }

        Assert.Equal(UploadState.Rejected, result.Status!.Status);
        Assert.Contains(entry.Reason!, result.Status.Reason, StringComparison.Ordinal);
        Assert.False((await Uploads.GetBlobClient(blobPath).ExistsAsync()).Value);
        var quarantined = Quarantine.GetBlobClient(blobPath);
        Assert.Equal(content, (await quarantined.DownloadContentAsync()).Value.Content.ToArray());
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task DirectUpload_ActiveContentFile_VerdictAndReasonAsManifest(string file)
    {
        var entry = Entry(file);
        var content = await File.ReadAllBytesAsync(Path.Combine(Directory, file));
        var (body, type, length) = await Multipart.FileAsync("upload" + Path.GetExtension(file), content);

        var outcome = await Services.Get<DirectUploadService>().UploadAsync(Client, type, length, body, CancellationToken.None);

        if (!entry.Refused)
        {
            Assert.Null(outcome.Problem);
            var status = await Services.Get<UploadVerifier>().VerifyAsync(outcome.Value!.BlobPath, CancellationToken.None);
            Assert.Equal(UploadState.Verified, status.Status!.Status);
            return;
        }

        Assert.Equal(415, outcome.Problem!.Status);
        Assert.Contains(entry.Reason!, outcome.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectUpload_FormScriptsAllowedByTheDeployment_FormScriptStoredOpenActionStillRefused()
    {
        await using var services = await UploadsServices.StartAsync(Azurite, new Dictionary<string, string?> { ["Uploads:AllowedActiveContent"] = "PdfFormScripts" });
        var form = await File.ReadAllBytesAsync(Path.Combine(Directory, "pdf-js-form-field.pdf"));
        var open = await File.ReadAllBytesAsync(Path.Combine(Directory, "pdf-js-openaction.pdf"));

        var (formBody, formType, formLength) = await Multipart.FileAsync("form.pdf", form);
        var stored = await services.Get<DirectUploadService>().UploadAsync(Client, formType, formLength, formBody, CancellationToken.None);
        var (openBody, openType, openLength) = await Multipart.FileAsync("open.pdf", open);
        var refused = await services.Get<DirectUploadService>().UploadAsync(Client, openType, openLength, openBody, CancellationToken.None);

        Assert.Null(stored.Problem);
        Assert.Equal(415, refused.Problem!.Status);
        Assert.Contains("(/OpenAction)", refused.Problem.Detail, StringComparison.Ordinal);
    }
}
