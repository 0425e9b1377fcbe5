using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary><c>POST /api/integrations/uploads/url</c> over real HTTP: every status code of the contract.</summary>
public sealed class UploadUrlEndpointTests(ApiHost host) : IClassFixture<ApiHost>
{
    private const string Route = "/" + HttpRoutes.UploadUrlPath;

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.DoesNotContain("   at ", problem.GetRawText(), StringComparison.Ordinal);
        return problem;
    }

    private async Task<HttpResponseMessage> PostAsync(string body, string? apiKey = null, string mediaType = "application/json")
    {
        using var http = host.CreateClient(apiKey);
        return await http.PostAsync(Route, new StringContent(body, Encoding.UTF8, mediaType));
    }

    [Theory]
    [InlineData("""{"filename": "../x.pdf", "FileName": "a.pdf", "contentType": "application/pdf"}""")]
    [InlineData("""{"filename": "a.pdf", "filename": "b.pdf", "contentType": "application/pdf"}""")]
    [InlineData("""{"filename": "a.pdf", "contentType": "application/pdf", "CONTENTTYPE": "video/mp4"}""")]
    public async Task Post_DuplicateProperty_AnyLetterCase_400(string body)
    {
        using var response = await PostAsync(body);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("duplicate_property", problem.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("text/plain")]
    public async Task Post_NotJsonContentType_415(string mediaType)
    {
        using var response = await PostAsync("""{"filename": "a.pdf", "contentType": "application/pdf"}""", mediaType: mediaType);

        var problem = await ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("unsupported_request_type", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Post_ValidRequest_200WithUploadUrlBlobPathExpiresAt()
    {
        using var response = await PostAsync("""{"filename": "meeting-recording.mp4", "contentType": "video/mp4"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["uploadUrl", "blobPath", "expiresAt"], body.EnumerateObject().Select(p => p.Name));
        Assert.StartsWith(host.Azurite.BlobServiceUri.ToString(), body.GetProperty("uploadUrl").GetString(), StringComparison.Ordinal);
        Assert.Matches("^acme/[0-9a-f]{32}/meeting-recording\\.mp4$", body.GetProperty("blobPath").GetString());
        Assert.Matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$", body.GetProperty("expiresAt").GetString());
    }

    [Fact]
    public async Task Post_WithinSizeLimit_200()
    {
        using var response = await PostAsync("""{"filename": "a.mp4", "contentType": "video/mp4", "sizeBytes": 5368709120}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("upk_not-a-real-key")]
    [InlineData("")]
    public async Task Post_MissingOrUnknownKey_401(string? key)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        if (key is not null)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("X-API-Key", key);
        }

        using var response = await http.PostAsJsonAsync(Route, new { filename = "a.pdf", contentType = "application/pdf" });

        await ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"filename\": \"a.pdf\"")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"filename\": 42, \"contentType\": \"application/pdf\"}")]
    [InlineData("{\"contentType\": \"application/pdf\"}")]
    [InlineData("{\"filename\": \"a.pdf\"}")]
    [InlineData("{\"filename\": \"a.pdf\", \"contentType\": \"application/pdf\", \"sizeBytes\": -1}")]
    [InlineData("{\"filename\": \"a.pdf\", \"contentType\": \"application/pdf\", \"sizeBytes\": \"12\"}")]
    public async Task Post_MalformedOrIncompleteJson_400(string body)
    {
        using var response = await PostAsync(body);

        await ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("../secret.pdf")]
    [InlineData("folder/a.pdf")]
    [InlineData("")]
    [InlineData("NUL.pdf")]
    [InlineData("a\u202Efdp.exe")]
    [InlineData("a\u0007.pdf")]
    public async Task Post_InvalidFileName_403(string fileName)
    {
        using var response = await PostAsync(JsonSerializer.Serialize(new { filename = fileName, contentType = "application/pdf" }));

        var problem = await ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("invalid_filename", problem.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("a.exe", "application/x-msdownload")]
    [InlineData("a.pdf", "image/png")]
    [InlineData("a.html", "text/html")]
    public async Task Post_TypeNotAllowedOrNotMatchingExtension_415(string fileName, string contentType)
    {
        using var response = await PostAsync(JsonSerializer.Serialize(new { filename = fileName, contentType }));

        await ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("a.png", "image/png", 50L * 1024 * 1024 + 1)]
    [InlineData("a.mp4", "video/mp4", 5L * 1024 * 1024 * 1024 + 1)]
    public async Task Post_SizeOverCategoryLimit_413(string fileName, string contentType, long size)
    {
        using var response = await PostAsync(JsonSerializer.Serialize(new { filename = fileName, contentType, sizeBytes = size }));

        await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Get_UrlRoute_404AsTheHostRoutes()
    {
        using var http = host.CreateClient();
        using var response = await http.GetAsync(Route);

        // The host routes on path and method together: no 405, and the host's own empty body (README, status codes).
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("GET", "/" + HttpRoutes.StatusPath + "?blobPath=acme%2Fnone%2Fa.pdf", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "/" + HttpRoutes.StatusPath, null, HttpStatusCode.BadRequest)]
    [InlineData("POST", "/" + HttpRoutes.UploadUrlPath, "{\"filename\": ", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/" + HttpRoutes.DirectPath, "not multipart", HttpStatusCode.BadRequest)]
    public async Task Send_RefusedByTheApp_ProblemJsonBody(string method, string path, string? json, HttpStatusCode expected)
    {
        using var http = host.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);

        await ProblemAsync(response, expected);
    }
}
