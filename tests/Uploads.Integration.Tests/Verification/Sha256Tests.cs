using System.Net.Http.Headers;
using System.Security.Cryptography;
using Uploads.Core.Contracts;
using Uploads.Core.Uploads;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
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
}
