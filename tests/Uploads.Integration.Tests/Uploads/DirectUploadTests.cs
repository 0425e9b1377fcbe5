using System.Security.Cryptography;
using Uploads.Core.Contracts;
using Uploads.Core.Uploads;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Uploads;

/// <summary>The direct-upload service streaming real multipart bodies into real Azurite.</summary>
public sealed class DirectUploadTests(AzuriteSharedKeyFixture fixture) : AppServicesTest(fixture.Azurite), IClassFixture<AzuriteSharedKeyFixture>
{
    private const int Cap = 10 * 1024 * 1024;

    private async Task<Outcome<DirectUploadResponse>> UploadAsync(Stream body, string contentType, long? length) =>
        await Services.Get<DirectUploadService>().UploadAsync(Client, contentType, length, body, CancellationToken.None);

    private async Task<Outcome<DirectUploadResponse>> UploadFileAsync(string name, byte[] content, string? partType = null, bool chunked = false)
    {
        var (body, type, length) = await Multipart.FileAsync(name, content, partType);
        return chunked ? await UploadAsync(new Multipart.ChunkedStream(body), type, null) : await UploadAsync(body, type, length);
    }

    private static byte[] PdfLike(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    [Fact]
    public async Task UploadAsync_SmallFile_StoredWithItsTypeAndSize()
    {
        var content = PdfLike(200_000);

        var outcome = await UploadFileAsync("small-file.pdf", content);

        Assert.Null(outcome.Problem);
        Assert.Equal(200_000, outcome.Value!.SizeBytes);
        Assert.Equal("application/pdf", outcome.Value.ContentType);
        var blob = Uploads.GetBlobClient(outcome.Value.BlobPath);
        Assert.Equal(content, (await blob.DownloadContentAsync()).Value.Content.ToArray());
        var properties = (await blob.GetPropertiesAsync()).Value;
        Assert.Equal("application/pdf", properties.ContentType);
        // A verified blob carries no metadata (the client is in its path) and downloads as an attachment.
        Assert.Empty(properties.Metadata);
        Assert.StartsWith("attachment;", properties.ContentDisposition, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UploadAsync_ExactlyTheCap_StoredInBlocksIntact(bool chunked)
    {
        var content = PdfLike(Cap);
        Services.Requests.Reset();

        var outcome = await UploadFileAsync("exactly-10mb.pdf", content, chunked: chunked);

        Assert.Null(outcome.Problem);
        Assert.Equal(Cap, outcome.Value!.SizeBytes);
        Assert.Equal(3, Services.Requests.Count("PUT", "block"));
        Assert.Equal(1, Services.Requests.Count("PUT", "blocklist"));
        var stored = (await Uploads.GetBlobClient(outcome.Value.BlobPath).DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(stored));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UploadAsync_OneByteOverTheCap_413PointingToPresignedFlowAndNoBlob(bool chunked)
    {
        var before = await CountBlobsAsync(Uploads, "acme/");

        var outcome = await UploadFileAsync("too-big.pdf", PdfLike(Cap + 1), chunked: chunked);

        Assert.Equal(413, outcome.Problem!.Status);
        Assert.Contains("/" + HttpRoutes.UploadUrlPath, outcome.Problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await CountBlobsAsync(Uploads, "acme/"));
        Assert.Equal(0, Services.Requests.Count("PUT", "blocklist"));
    }

    [Fact]
    public async Task UploadAsync_ClientDisconnectsMidUpload_NoBlob()
    {
        var before = await CountBlobsAsync(Uploads, "acme/");
        var (body, type, _) = await Multipart.FileAsync("abandoned.pdf", PdfLike(9 * 1024 * 1024));

        await Assert.ThrowsAsync<IOException>(() => UploadAsync(new Multipart.DisconnectingStream(body, 6 * 1024 * 1024), type, null));

        Assert.Equal(before, await CountBlobsAsync(Uploads, "acme/"));
    }

    [Fact]
    public async Task UploadAsync_NoPartContentType_TypeFromExtension()
    {
        var outcome = await UploadFileAsync("notes.txt", "hello, world\n"u8.ToArray());

        Assert.Equal("text/plain", outcome.Value!.ContentType);
    }

    [Fact]
    public async Task UploadAsync_TwoFiles_400AndNoBlob()
    {
        var before = await CountBlobsAsync(Uploads, "acme/");
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(PdfLike(1000)), "file", "a.pdf" },
            { new ByteArrayContent(PdfLike(1000)), "file", "b.pdf" },
        };
        var (body, type, length) = await Multipart.EncodeAsync(form);

        var outcome = await UploadAsync(body, type, length);

        Assert.Equal(400, outcome.Problem!.Status);
        Assert.Equal("several_files", outcome.Problem.Code);
        Assert.Equal(before, await CountBlobsAsync(Uploads, "acme/"));
    }

    [Fact]
    public async Task UploadAsync_FileInOtherField_400NamingTheField()
    {
        var (body, type, length) = await Multipart.FileAsync("a.pdf", PdfLike(100), field: "upload");

        var outcome = await UploadAsync(body, type, length);

        Assert.Equal(400, outcome.Problem!.Status);
        Assert.Contains("\"file\"", outcome.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadAsync_NoFileField_400()
    {
        using var form = new MultipartFormDataContent { { new StringContent("x"), "comment" } };
        var (body, type, length) = await Multipart.EncodeAsync(form);

        Assert.Equal("missing_file", (await UploadAsync(body, type, length)).Problem!.Code);
    }

    [Fact]
    public async Task UploadAsync_EmptyFile_400()
    {
        Assert.Equal("empty_file", (await UploadFileAsync("empty.pdf", [])).Problem!.Code);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("multipart/form-data")]
    [InlineData(null)]
    public async Task UploadAsync_NotMultipart_400(string? contentType)
    {
        var outcome = await UploadAsync(new MemoryStream("{}"u8.ToArray()), contentType!, 2);

        Assert.Equal(400, outcome.Problem!.Status);
    }

    [Fact]
    public async Task UploadAsync_TruncatedMultipart_400()
    {
        var (body, type, _) = await Multipart.FileAsync("a.pdf", PdfLike(5000));
        var truncated = new MemoryStream(((MemoryStream)body).ToArray()[..3000]);

        Assert.Equal("malformed_multipart", (await UploadAsync(truncated, type, 3000)).Problem!.Code);
    }

    [Theory]
    [InlineData("../../etc/passwd.txt")]
    [InlineData("con.txt")]
    [InlineData("evil\u202Etxt.exe")]
    public async Task UploadAsync_InvalidFileName_403(string name)
    {
        Assert.Equal(403, (await UploadFileAsync(name, "x"u8.ToArray(), "text/plain")).Problem!.Status);
    }

    [Theory]
    [InlineData("photo.png", "application/pdf")]
    [InlineData("page.html", "text/html")]
    public async Task UploadAsync_TypeNotAllowedOrNotMatchingName_415(string name, string partType)
    {
        Assert.Equal(415, (await UploadFileAsync(name, PdfLike(100), partType)).Problem!.Status);
    }

    public static TheoryData<string, string?, bool> RefusedForMoreThanSize => new()
    {
        // Bytes that are no PDF (415 when small), in a body whose Content-Length is under the early 413's allowance.
        { "big.pdf", null, false },
        { "big.pdf", null, true },
        // A type off the allowlist (415 when small).
        { "page.html", "text/html", false },
        { "page.html", "text/html", true },
        // An invalid name (403 when small).
        { "con.txt", "text/plain", false },
    };

    [Theory]
    [MemberData(nameof(RefusedForMoreThanSize))]
    public async Task UploadAsync_FileOverTheCapAndOtherwiseRefused_413NotTheOtherRefusal(string name, string? partType, bool chunked)
    {
        var content = new byte[11_000_000];
        Random.Shared.NextBytes(content);
        var before = await CountBlobsAsync(Uploads, "acme/");

        var outcome = await UploadFileAsync(name, content, partType, chunked);

        Assert.Equal(413, outcome.Problem!.Status);
        Assert.Contains("/" + HttpRoutes.UploadUrlPath, outcome.Problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await CountBlobsAsync(Uploads, "acme/"));
    }

    [Theory]
    [InlineData("big.pdf", null, 415)]
    [InlineData("page.html", "text/html", 415)]
    [InlineData("con.txt", "text/plain", 403)]
    public async Task UploadAsync_FileUnderTheCapAndOtherwiseRefused_ThatRefusal(string name, string? partType, int expected)
    {
        var content = new byte[Cap];
        Random.Shared.NextBytes(content);

        Assert.Equal(expected, (await UploadFileAsync(name, content, partType)).Problem!.Status);
    }
}
