using System.Net;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Uploads.Core.Uploads;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Verification;

/// <summary>What a client holding an upload URL (Create + Write) can try beyond uploading, against real Azurite.</summary>
public sealed class ReviewedAttackTests(AzuriteOAuthFixture fixture) : AppServicesTest(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>
{
    private async Task<(string BlobPath, BlobClient WithSas)> IssueAsync(string name, string type)
    {
        var url = await IssueUrlAsync(name, type);
        return (url.BlobPath, new BlobClient(url.UploadUrl, Azurite.CreateBlobClientOptions()));
    }

    private static byte[] Corpus(string file) => File.ReadAllBytes(Support.Corpus.Get(file).Path);

    [Fact]
    public async Task VerifyAsync_UploadedWithContentEncoding_Rejected()
    {
        var (blobPath, sas) = await IssueAsync("invoice.pdf", "application/pdf");
        await sas.UploadAsync(new BinaryData(Corpus("document.pdf")), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentEncoding = "gzip" } });

        var result = await Services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);

        Assert.Equal(UploadState.Rejected, result.Status!.Status);
        Assert.Contains("Content-Encoding", result.Status.Reason, StringComparison.Ordinal);
        // The bytes were never read: the client's Content-Type (here the SDK's default) is no detected type.
        Assert.Null(result.Status.DetectedType);
        var recorded = await Services.Get<UploadStatusService>().GetAsync(Client, blobPath, CancellationToken.None);
        Assert.Equal(UploadState.Rejected, recorded.Value!.Status);
        Assert.Null(recorded.Value.DetectedType);
    }

    [Fact]
    public async Task VerifyAsync_ClientSetHeaders_ReplacedByTypeAndAttachment()
    {
        var (blobPath, sas) = await IssueAsync("photo.png", "image/png");
        await sas.UploadAsync(new BinaryData(Corpus("image.png")), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "text/html", CacheControl = "public, max-age=31536000", ContentDisposition = "inline", ContentLanguage = "xx" },
        });

        var result = await Services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);

        // The name decides the type (text/html is not an allowed label and is ignored); the bytes are a PNG.
        Assert.Equal(UploadState.Verified, result.Status!.Status);
        var properties = (await Uploads.GetBlobClient(blobPath).GetPropertiesAsync()).Value;
        Assert.Equal("image/png", properties.ContentType);
        Assert.Equal("attachment; filename*=UTF-8''photo.png", properties.ContentDisposition);
        Assert.Null(properties.CacheControl);
        Assert.Empty(properties.ContentLanguage ?? string.Empty);
    }

    [Theory]
    [InlineData("document.pdf", "a.png", "image/png", UploadState.Rejected)]
    [InlineData("image.png", "a.png", "image/png", UploadState.Verified)]
    public async Task VerifyAsync_UploaderHoldsInfiniteLease_LeaseBrokenAndVerdictRecorded(string file, string name, string type, UploadState expected)
    {
        var (blobPath, sas) = await IssueAsync(name, type);
        await sas.UploadAsync(new BinaryData(Corpus(file)));
        await sas.GetBlobLeaseClient().AcquireAsync(TimeSpan.FromSeconds(-1));

        var result = await Services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);

        Assert.True(result.Decided);
        Assert.Equal(expected, result.Status!.Status);
        Assert.Equal(expected == UploadState.Verified, (await Uploads.GetBlobClient(blobPath).ExistsAsync()).Value);
    }

    [Fact]
    public async Task VerifyAsync_CsvLabelledTextCsvByItsClient_Verified()
    {
        // aiohttp and browsers label .csv files text/csv: an alias of text/plain.
        var (blobPath, sas) = await IssueAsync("export.csv", "text/csv");
        await sas.UploadAsync(new BinaryData("a,b\n1,2\n"u8.ToArray()), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "text/csv" } });

        var result = await Services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);

        Assert.Equal(UploadState.Verified, result.Status!.Status);
        Assert.Equal("text/plain", result.Status.DetectedType);
    }

    [Fact]
    public async Task IssueAsync_NameWithoutExtension_415()
    {
        var outcome = await Services.Get<UploadUrlService>().IssueAsync(Client, new UploadUrlRequest("report", "text/plain", null), CancellationToken.None);

        Assert.Equal(415, outcome.Problem!.Status);
        Assert.Contains("report.txt", outcome.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectUpload_ContentLengthFarOverTheCap_413WithoutStagingAnything()
    {
        var (body, type, _) = await Multipart.FileAsync("big.pdf", new byte[100]);
        Services.Requests.Reset();

        var outcome = await Services.Get<DirectUploadService>().UploadAsync(Client, type, 20L * 1024 * 1024, body, CancellationToken.None);

        Assert.Equal(413, outcome.Problem!.Status);
        Assert.Equal(0, Services.Requests.Total);
    }

    [Fact]
    public async Task DirectUpload_ManyParts_400()
    {
        using var form = new MultipartFormDataContent();
        for (var i = 0; i < 20; i++)
        {
            form.Add(new StringContent("x"), $"field{i}");
        }

        form.Add(new ByteArrayContent(Corpus("document.pdf")), "file", "a.pdf");
        var (body, type, length) = await Multipart.EncodeAsync(form);

        var outcome = await Services.Get<DirectUploadService>().UploadAsync(Client, type, length, body, CancellationToken.None);

        Assert.Equal("too_many_parts", outcome.Problem!.Code);
    }

    [Fact]
    public async Task VerifyAsync_UploadCarryingForgedVerdictTags_CheckedAnyway()
    {
        var (blobPath, sas) = await IssueAsync("a.png", "image/png");
        using var http = Azurite.CreateHttpClient();
        var status = await PresignedUpload.PutAsync(http, sas.Uri, new ByteArrayContent(Corpus("document.pdf")), [("x-ms-tags", "verdict=verified&etag=0x8DD00000000000&type=image%2Fpng")]);
        Assert.Equal(HttpStatusCode.Created, status);

        // Tags the uploader attached name an ETag it could not know before its write: the content is checked.
        var result = await Services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);

        Assert.True(result.Decided);
        Assert.Equal(UploadState.Rejected, result.Status!.Status);
    }
}
