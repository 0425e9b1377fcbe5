using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Uploads.EndToEnd.Tests.OpenApi;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>
/// <c>GET /api/integrations/uploads/policy</c> over real HTTP: the allowlist and limits of <c>Uploads.Policy</c> (the
/// example docs/openapi.json shows), with the key, cacheable (ETag, Cache-Control, 304).
/// </summary>
public sealed class PolicyEndpointTests(ApiHost host) : IClassFixture<ApiHost>
{
    private static readonly Uri Route = new(HttpRoutes.PolicyPath, UriKind.Relative);

    /// <summary>The header as the app wrote it (HttpClient's parsed value reorders the directives).</summary>
    private static string CacheControl(HttpResponseMessage response) => response.Headers.NonValidated["Cache-Control"].ToString();

    [Fact]
    public async Task Get_WithKey_TheTableOfUploadsPolicy()
    {
        using var api = host.CreateClient();

        using var response = await api.GetAsync(Route);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var documented = PolicyPresentation.OpenApiNodes().Single(n => n.Pointer.EndsWith("/example", StringComparison.Ordinal)).Node;
        Assert.True(JsonNode.DeepEquals(documented, body), body.ToJsonString());
        var pdf = body["types"]!.AsArray().Single(t => (string?)t!["contentType"] == "application/pdf")!;
        Assert.Equal("document", (string?)pdf["category"]);
        Assert.Equal(UploadPolicy.MaxBytes(ContentCategory.Document), (long)pdf["maxBytes"]!);
        Assert.Equal([".pdf"], pdf["extensions"]!.AsArray().Select(e => (string?)e));
        Assert.Equal(UploadPolicy.AllowedTypes.Count, body["types"]!.AsArray().Count);
        Assert.Equal("image/jpeg", (string?)body["aliases"]!["image/jpg"]);
    }

    [Fact]
    public async Task Get_Twice_CacheableWithOneStrongETag()
    {
        using var api = host.CreateClient();

        using var first = await api.GetAsync(Route);
        using var second = await api.GetAsync(Route);

        Assert.Equal("private, max-age=3600", CacheControl(first));
        var etag = Assert.IsType<EntityTagHeaderValue>(first.Headers.ETag);
        Assert.False(etag.IsWeak);
        Assert.Equal(etag, second.Headers.ETag);
    }

    [Theory]
    [InlineData("{0}")]
    [InlineData("W/{0}")]
    [InlineData("\"other\", {0}")]
    [InlineData("*")]
    public async Task Get_IfNoneMatchTheCurrentTag_304WithoutBody(string ifNoneMatch)
    {
        using var api = host.CreateClient();
        using var first = await api.GetAsync(Route);
        using var request = new HttpRequestMessage(HttpMethod.Get, Route);
        request.Headers.TryAddWithoutValidation("If-None-Match", string.Format(System.Globalization.CultureInfo.InvariantCulture, ifNoneMatch, first.Headers.ETag!.Tag));

        using var response = await api.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.ETag, response.Headers.ETag);
        Assert.Equal("private, max-age=3600", CacheControl(response));
    }

    [Fact]
    public async Task Get_IfNoneMatchAnotherTag_200WithTheBody()
    {
        using var api = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, Route);
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"0123456789abcdef0123456789abcdef\"");

        using var response = await api.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("upk_not-a-key")]
    public async Task Get_MissingOrUnknownKey_401Problem(string? apiKey)
    {
        using var api = new HttpClient { BaseAddress = host.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, Route);
        if (apiKey is not null)
        {
            request.Headers.Add("X-API-Key", apiKey);
        }

        using var response = await api.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_api_key", problem.RootElement.GetProperty("code").GetString());
        Assert.Null(response.Headers.ETag);
    }
}
