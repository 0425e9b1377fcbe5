using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Uploads.Core.Contracts;
using Uploads.Core.Uploads;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Verification;

/// <summary>Azurite over HTTP, shared key (local development).</summary>
public sealed class Sha256SharedKeyTests(AzuriteSharedKeyFixture fixture) : Sha256Tests(fixture.Azurite), IClassFixture<AzuriteSharedKeyFixture>;

/// <summary>Azurite over HTTPS, OAuth and user-delegation signing (as in Azure).</summary>
public sealed class Sha256OAuthTests(AzuriteOAuthFixture fixture) : Sha256Tests(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>;

/// <summary>
/// The end-to-end SHA-256 against real Azurite, on both storage modes: the direct path computes it while the file
/// streams and checks a declared one; a mismatch is refused and nothing is stored; the verdict and the status carry it.
/// </summary>
public abstract class Sha256Tests(AzuriteInstance azurite) : AppServicesTest(azurite)
{
    protected static byte[] Png { get; } = File.ReadAllBytes(Corpus.Get("image.png").Path);

    protected static string Base64Sha256(byte[] content) => Convert.ToBase64String(SHA256.HashData(content));

    protected async Task<Outcome<DirectUploadResponse>> DirectAsync(byte[] content, string fileName, params (string Name, string Value)[] fieldsBefore) =>
        await DirectAsync(content, fileName, fieldsBefore, []);

    protected async Task<Outcome<DirectUploadResponse>> DirectAsync(byte[] content, string fileName, (string Name, string Value)[] fieldsBefore, (string Name, string Value)[] fieldsAfter)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fieldsBefore)
        {
            form.Add(new StringContent(value), name);
        }

        var part = new ByteArrayContent(content);
        part.Headers.ContentType = MediaTypeHeaderValue.Parse("application/octet-stream");
        form.Add(part, "file", fileName);
        foreach (var (name, value) in fieldsAfter)
        {
            form.Add(new StringContent(value), name);
        }

        var (body, type, length) = await Multipart.EncodeAsync(form);
        return await Services.Get<DirectUploadService>().UploadAsync(Client, type, length, body, CancellationToken.None);
    }

    protected async Task<UploadStatus> StatusAsync(string blobPath) =>
        (await Services.Get<UploadStatusService>().GetAsync(Client, blobPath, CancellationToken.None)).Value!;

    [Fact]
    public async Task Direct_DeclaredSha256Matches_VerifiedAndStatusCarriesIt()
    {
        var outcome = await DirectAsync(Png, "photo.png", ("sha256", Base64Sha256(Png)));

        Assert.Null(outcome.Problem);
        var status = await StatusAsync(outcome.Value!.BlobPath);
        Assert.Equal(UploadState.Verified, status.Status);
        Assert.Equal(Base64Sha256(Png), status.Sha256);
        var tags = (await Uploads.GetBlobClient(outcome.Value.BlobPath).GetTagsAsync()).Value.Tags;
        Assert.Equal(Base64Sha256(Png), tags[VerdictTags.Sha256]);
    }

    [Fact]
    public async Task Direct_NoDeclaration_Sha256ComputedAnyway()
    {
        var outcome = await DirectAsync(Png, "photo.png");

        Assert.Null(outcome.Problem);
        Assert.Equal(Base64Sha256(Png), (await StatusAsync(outcome.Value!.BlobPath)).Sha256);
    }

    [Fact]
    public async Task Direct_DeclaredSha256DoesNotMatch_415NamingBothAndNothingStored()
    {
        var other = Base64Sha256([1, 2, 3]);
        var before = await CountBlobsAsync(Uploads, "acme/");

        var outcome = await DirectAsync(Png, "photo.png", ("sha256", other));

        Assert.Equal(415, outcome.Problem!.Status);
        Assert.Equal(ProblemCodes.Sha256Mismatch, outcome.Problem.Code);
        Assert.Contains($"The file's SHA-256 is {Base64Sha256(Png)}, but {other} was declared", outcome.Problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await CountBlobsAsync(Uploads, "acme/"));
    }

    [Theory]
    [InlineData("not base64 at all")]
    [InlineData("AQID")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("")]
    public async Task Direct_MalformedDeclaration_400NamingTheField(string declared)
    {
        var outcome = await DirectAsync(Png, "photo.png", ("sha256", declared));

        Assert.Equal(400, outcome.Problem!.Status);
        Assert.Equal(ProblemCodes.InvalidField, outcome.Problem.Code);
        Assert.StartsWith("\"sha256\" must be the base64 of the file's 32-byte SHA-256", outcome.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Direct_DeclarationAfterTheFile_400SayingToSendItFirst()
    {
        var before = await CountBlobsAsync(Uploads, "acme/");

        var outcome = await DirectAsync(Png, "photo.png", [], [("sha256", Base64Sha256(Png))]);

        Assert.Equal(400, outcome.Problem!.Status);
        Assert.Contains("Send it before the file", outcome.Problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await CountBlobsAsync(Uploads, "acme/"));
    }

    [Fact]
    public async Task Direct_TwoDeclarations_400()
    {
        var outcome = await DirectAsync(Png, "photo.png", ("sha256", Base64Sha256(Png)), ("sha256", Base64Sha256(Png)));

        Assert.Equal(400, outcome.Problem!.Status);
        Assert.Contains("more than one \"sha256\"", outcome.Problem.Detail, StringComparison.Ordinal);
    }

    protected async Task<Outcome<UploadUrlResponse>> IssueAsync(string fileName, string contentType, string? sha256, UploadsServices? services = null) =>
        await (services ?? Services).Get<UploadUrlService>().IssueAsync(Client, new UploadUrlRequest(fileName, contentType, null, Sha256: sha256), CancellationToken.None);

    /// <summary>Asks for a URL (declaring <paramref name="declared"/>), PUTs <paramref name="content"/>, and checks it.</summary>
    protected async Task<VerificationResult> PresignedAsync(byte[] content, string fileName, string contentType, string? declared, UploadsServices? services = null)
    {
        var url = await IssueAsync(fileName, contentType, declared, services);
        Assert.Null(url.Problem);
        using var http = Azurite.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, url.Value!.UploadUrl) { Content = new ByteArrayContent(content) };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return await (services ?? Services).Get<UploadVerifier>().VerifyAsync(url.Value.BlobPath, CancellationToken.None);
    }

    /// <summary>A text file of <paramref name="length"/> bytes: several of the hash's range reads, beyond what the sniffer reads.</summary>
    protected static byte[] LargeText(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = i % 64 == 63 ? (byte)'\n' : (byte)('a' + (i % 26));
        }

        return bytes;
    }

    [Fact]
    public async Task Presigned_DeclaredSha256Matches_VerifiedAndStatusCarriesIt()
    {
        var result = await PresignedAsync(Png, "photo.png", "image/png", Base64Sha256(Png));

        Assert.Equal(UploadState.Verified, result.Status!.Status);
        Assert.Equal(Base64Sha256(Png), result.Status.Sha256);
        var status = await StatusAsync(result.Status.BlobPath);
        Assert.Equal(Base64Sha256(Png), status.Sha256);
    }

    [Fact]
    public async Task Presigned_DeclaredSha256DoesNotMatch_QuarantinedWithBothValues()
    {
        var other = Base64Sha256([1, 2, 3]);

        var result = await PresignedAsync(Png, "photo.png", "image/png", other);

        Assert.Equal(UploadState.Rejected, result.Status!.Status);
        Assert.Equal("image/png", result.Status.DetectedType);
        Assert.StartsWith($"The file's SHA-256 is {Base64Sha256(Png)}, but {other} was declared", result.Status.Reason, StringComparison.Ordinal);
        Assert.False((await Uploads.GetBlobClient(result.Status.BlobPath).ExistsAsync()).Value);
        Assert.True((await Quarantine.GetBlobClient(result.Status.BlobPath).ExistsAsync()).Value);
        Assert.Equal(result.Status.Reason, (await StatusAsync(result.Status.BlobPath)).Reason);
    }

    [Theory]
    [InlineData(13 * 1024 * 1024, -1)]
    [InlineData(13 * 1024 * 1024, 13 * 1024 * 1024 - 1)]
    [InlineData(13 * 1024 * 1024, 5 * 1024 * 1024)]
    public async Task Presigned_LargeFile_HashedInParallelRangesToTheLastByte(int length, int flipAt)
    {
        var content = LargeText(length);
        var declared = Base64Sha256(content);
        if (flipAt >= 0)
        {
            content[flipAt] = (byte)'!';
        }

        var result = await PresignedAsync(content, "notes.txt", "text/plain", declared);

        Assert.Equal(flipAt < 0 ? UploadState.Verified : UploadState.Rejected, result.Status!.Status);
        // Every byte once for the hash (the sniffer's head is hashed on the way), plus the sniffer's few reads elsewhere (its tail).
        Assert.InRange(result.BytesRead, length, length + (256 * 1024));
        if (flipAt < 0)
        {
            Assert.Equal(declared, result.Status.Sha256);
        }
    }

    [Fact]
    public async Task Presigned_NoDeclaration_NotComputedByDefault()
    {
        var result = await PresignedAsync(Png, "photo.png", "image/png", null);

        Assert.Equal(UploadState.Verified, result.Status!.Status);
        Assert.Null(result.Status.Sha256);
    }

    [Fact]
    public async Task Presigned_ComputeSha256Always_ComputedWithoutDeclaration()
    {
        var content = LargeText(9 * 1024 * 1024);
        await using var always = await UploadsServices.StartAsync(Azurite, new Dictionary<string, string?> { ["Verification:ComputeSha256"] = "always" });

        var result = await PresignedAsync(content, "notes.txt", "text/plain", null, always);

        Assert.Equal(UploadState.Verified, result.Status!.Status);
        Assert.Equal(Base64Sha256(content), result.Status.Sha256);
        Assert.Equal(Base64Sha256(content), (await always.Get<UploadStatusService>().GetAsync(Client, result.Status.BlobPath, CancellationToken.None)).Value!.Sha256);
    }

    [Theory]
    [InlineData("not base64 at all")]
    [InlineData("AQID")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("")]
    public async Task Presigned_MalformedDeclaration_400NamingTheFieldAndNothingRecorded(string declared)
    {
        var outcome = await IssueAsync("photo.png", "image/png", declared);

        Assert.Equal(400, outcome.Problem!.Status);
        Assert.Equal(ProblemCodes.InvalidField, outcome.Problem.Code);
        Assert.StartsWith("\"sha256\" must be the base64 of the file's 32-byte SHA-256", outcome.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Presigned_DeclarationIsKeptWhereNoUploadUrlReaches()
    {
        var url = (await IssueAsync("photo.png", "image/png", Base64Sha256(Png))).Value!;

        var declaration = Quarantine.GetBlobClient(Sha256Declarations.Prefix + url.BlobPath);

        Assert.Equal(Base64Sha256(Png), (await declaration.GetPropertiesAsync()).Value.Metadata["sha256"]);
        Assert.Contains("/uploads/", url.UploadUrl.AbsolutePath, StringComparison.Ordinal);
        Assert.Contains("sr=b", url.UploadUrl.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Renewal_WithSha256_400Ambiguous()
    {
        var url = (await IssueAsync("photo.png", "image/png", Base64Sha256(Png))).Value!;

        var renewal = await Services.Get<UploadUrlService>().IssueAsync(Client, new UploadUrlRequest(null, null, null, url.BlobPath, Base64Sha256(Png)), CancellationToken.None);

        Assert.Equal(400, renewal.Problem!.Status);
        Assert.Equal(ProblemCodes.AmbiguousRequest, renewal.Problem.Code);
    }

    [Fact]
    public async Task VerdictEvent_Verified_CarriesTheSha256()
    {
        var published = new CapturingPublisher();
        await using var services = await UploadsServices.StartAsync(Azurite, configure: s => s.AddSingleton<IVerdictPublisher>(published));

        var result = await PresignedAsync(Png, "photo.png", "image/png", Base64Sha256(Png), services);
        var (body, type, _) = await Multipart.FileAsync("photo.png", Png);
        var direct = await services.Get<DirectUploadService>().UploadAsync(Client, type, null, body, CancellationToken.None);

        Assert.Equal(UploadState.Verified, result.Status!.Status);
        Assert.Null(direct.Problem);
        var events = published.Verdicts.Select(v => JsonSerializer.SerializeToElement(v, UploadsJsonContext.Default.UploadStatus)).ToList();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(Base64Sha256(Png), e.GetProperty("sha256").GetString()));
    }

    private sealed class CapturingPublisher : IVerdictPublisher
    {
        public ConcurrentQueue<UploadStatus> Verdicts { get; } = new();

        public Task PublishAsync(UploadStatus verdict, CancellationToken cancellationToken)
        {
            Verdicts.Enqueue(verdict);
            return Task.CompletedTask;
        }
    }
}
