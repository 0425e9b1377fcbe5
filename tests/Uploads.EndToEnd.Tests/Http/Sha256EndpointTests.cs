using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>The worker on Azurite over HTTPS with OAuth and user-delegation SAS (as in Azure).</summary>
public sealed class Sha256EndpointOAuthTests(ApiHost host) : Sha256EndpointTests(host), IClassFixture<ApiHost>;

/// <summary>The worker on Azurite with the account key (local development).</summary>
public sealed class Sha256EndpointSharedKeyTests(SharedKeyApiHost host) : Sha256EndpointTests(host), IClassFixture<SharedKeyApiHost>;

/// <summary>The worker with <c>Verification__ComputeSha256=always</c>: presigned uploads get their SHA-256 without a declaration.</summary>
public sealed class Sha256AlwaysEndpointTests(Sha256AlwaysEndpointTests.AlwaysApiHost host) : IClassFixture<Sha256AlwaysEndpointTests.AlwaysApiHost>
{
    [Fact]
    public async Task Presigned_NoDeclaration_StatusCarriesTheSha256()
    {
        var blobPath = await host.PresignedUploadAsync("image.png", "photo.png", "image/png");

        var status = await Sha256EndpointTests.VerdictAsync(host, blobPath);

        Assert.Equal("verified", status.GetProperty("status").GetString());
        Assert.Equal(Sha256EndpointTests.Base64Sha256(await File.ReadAllBytesAsync(TestFixtures.CorpusFile("image.png"))), status.GetProperty("sha256").GetString());
    }

    public sealed class AlwaysApiHost : ApiHost
    {
        protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?> { ["Verification__ComputeSha256"] = "always" };
    }
}

/// <summary>
/// The end-to-end SHA-256 through the real worker: declared with the URL request or as a form field before the file;
/// a mismatch is rejected on both paths, a match is verified and the status carries it, a malformed one is a 400.
/// </summary>
public abstract class Sha256EndpointTests(ApiHost host)
{
    private static readonly byte[] Png = File.ReadAllBytes(TestFixtures.CorpusFile("image.png"));

    internal static string Base64Sha256(byte[] content) => Convert.ToBase64String(SHA256.HashData(content));

    /// <summary>The status of <paramref name="blobPath"/> once it has a verdict (the status request checks it on the spot).</summary>
    internal static async Task<JsonElement> VerdictAsync(ApiHost host, string blobPath)
    {
        using var api = host.CreateClient();
        JsonElement status = default;
        Assert.True(await Eventually.WithinAsync(
            async () =>
            {
                status = await api.GetFromJsonAsync<JsonElement>("/api/integrations/uploads/status?blobPath=" + Uri.EscapeDataString(blobPath));
                return status.GetProperty("status").GetString() != "pending";
            },
            TimeSpan.FromSeconds(60)));
        return status;
    }

    private async Task<HttpResponseMessage> DirectAsync(params (string Name, string Value)[] fieldsBefore)
    {
        using var api = host.CreateClient();
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fieldsBefore)
        {
            form.Add(new StringContent(value), name);
        }

        form.Add(new ByteArrayContent(Png), "file", "photo.png");
        return await api.PostAsync("/api/integrations/uploads/direct", form);
    }

    private async Task<HttpResponseMessage> RequestUrlAsync(string sha256)
    {
        using var api = host.CreateClient();
        return await api.PostAsJsonAsync("/api/integrations/uploads/url", new { filename = "photo.png", contentType = "image/png", sha256 });
    }

    private async Task<string> PresignedAsync(string declared)
    {
        using var urlResponse = await RequestUrlAsync(declared);
        Assert.Equal(HttpStatusCode.OK, urlResponse.StatusCode);
        var url = await urlResponse.Content.ReadFromJsonAsync<JsonElement>();
        using var storage = host.Azurite.CreateHttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, url.GetProperty("uploadUrl").GetString()) { Content = new ByteArrayContent(Png) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var putResponse = await storage.SendAsync(put);
        Assert.Equal(HttpStatusCode.Created, putResponse.StatusCode);
        return url.GetProperty("blobPath").GetString()!;
    }

    [Fact]
    public async Task Direct_DeclaredSha256Matches_201AndStatusCarriesIt()
    {
        using var response = await DirectAsync(("sha256", Base64Sha256(Png)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var blobPath = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("blobPath").GetString()!;
        var status = await VerdictAsync(host, blobPath);
        Assert.Equal("verified", status.GetProperty("status").GetString());
        Assert.Equal(Base64Sha256(Png), status.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Direct_DeclaredSha256DoesNotMatch_415Problem()
    {
        var other = Base64Sha256([1, 2, 3]);

        using var response = await DirectAsync(("sha256", other));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sha256_mismatch", problem.GetProperty("code").GetString());
        Assert.StartsWith($"The file's SHA-256 is {Base64Sha256(Png)}, but {other} was declared", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Direct_MalformedDeclaration_400()
    {
        using var response = await DirectAsync(("sha256", Convert.ToHexString(SHA256.HashData(Png))));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_field", problem.GetProperty("code").GetString());
        Assert.Contains("hexadecimal", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Presigned_DeclaredSha256Matches_VerifiedAndStatusCarriesIt()
    {
        var blobPath = await PresignedAsync(Base64Sha256(Png));

        var status = await VerdictAsync(host, blobPath);

        Assert.Equal("verified", status.GetProperty("status").GetString());
        Assert.Equal(Base64Sha256(Png), status.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Presigned_DeclaredSha256DoesNotMatch_RejectedWithBothValues()
    {
        var other = Base64Sha256([1, 2, 3]);
        var blobPath = await PresignedAsync(other);

        var status = await VerdictAsync(host, blobPath);

        Assert.Equal("rejected", status.GetProperty("status").GetString());
        Assert.StartsWith($"The file's SHA-256 is {Base64Sha256(Png)}, but {other} was declared", status.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.False(status.TryGetProperty("sha256", out _));
    }

    [Fact]
    public async Task Presigned_MalformedDeclaration_400NamingTheField()
    {
        using var response = await RequestUrlAsync("AQID");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_field", problem.GetProperty("code").GetString());
        Assert.StartsWith("\"sha256\" must be the base64", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
