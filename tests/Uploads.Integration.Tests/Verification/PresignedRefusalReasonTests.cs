using System.Net;
using System.Net.Http.Headers;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Verification;

/// <summary>
/// The reason a presigned upload is refused with names what its client really declared: the type the file name
/// declares (the type the URL was issued for) when the PUT carried a client's default Content-Type or none, such as
/// curl's <c>application/x-www-form-urlencoded</c> for <c>--data-binary</c>; the PUT's type when the client chose one.
/// </summary>
public sealed class PresignedRefusalReasonTests(AzuriteOAuthFixture fixture) : AppServicesTest(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>
{
    private async Task<string> PutAsync(string fileName, string issuedType, string file, string? putContentType)
    {
        var url = await IssueUrlAsync(fileName, issuedType);
        using var http = Azurite.CreateHttpClient();
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(Corpus.Get(file).Path));
        if (putContentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(putContentType);
        }

        Assert.Equal(HttpStatusCode.Created, await PresignedUpload.PutAsync(http, url.UploadUrl, content));
        return url.BlobPath;
    }

    private async Task<string> ReasonAsync(string blobPath)
    {
        var result = await Services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);
        Assert.Equal(UploadState.Rejected, result.Status!.Status);
        return result.Status.Reason!;
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")] // curl --data-binary, curl -d
    [InlineData("application/octet-stream")]
    [InlineData(null)]
    public async Task Verify_NotAllowedFileUnderAClientDefault_ReasonNamesTheTypeOfTheName(string? putContentType)
    {
        var blobPath = await PutAsync("report.pdf", "application/pdf", "binary-pe.exe", putContentType);

        Assert.Equal("The name report.pdf says application/pdf, but the file is application/x-msdownload, which is not an allowed type.", await ReasonAsync(blobPath));
    }

    [Fact]
    public async Task Verify_NotAllowedFileUnderAChosenType_ReasonNamesTheChosenType()
    {
        var blobPath = await PutAsync("report.pdf", "application/pdf", "binary-pe.exe", "image/png");

        Assert.Equal("Declared image/png, but the file is application/x-msdownload, which is not an allowed type.", await ReasonAsync(blobPath));
    }

    [Fact]
    public async Task Verify_OtherAllowedTypeUnderCurlsDefault_ReasonNamesTheTypeOfTheName()
    {
        var blobPath = await PutAsync("report.pdf", "application/pdf", "image.png", "application/x-www-form-urlencoded");

        Assert.Equal("The name report.pdf says application/pdf, but the file is image/png.", await ReasonAsync(blobPath));
    }
}
