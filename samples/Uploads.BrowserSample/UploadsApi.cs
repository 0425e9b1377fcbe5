using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Uploads.Policy;

namespace Uploads.BrowserSample;

/// <summary>The upload API as the backend calls it: with the key, which this class adds and nothing returns.</summary>
public sealed class UploadsApi(HttpClient http)
{
    private static readonly JsonSerializerOptions OmitNulls = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary><c>POST</c> <see cref="HttpRoutes.UploadUrlPath"/>: a new upload URL, or with a blobPath a renewed one.
    /// The page's fields are the API's own request record; fields the page leaves out are not sent on.</summary>
    public Task<ApiAnswer> RequestUrlAsync(UploadUrlRequest request, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, HttpRoutes.UploadUrlPath) { Content = JsonContent.Create(request, options: OmitNulls) }, cancellationToken);

    /// <summary><c>GET</c> <see cref="HttpRoutes.PolicyPath"/>: the allowed types, their extensions and size limits.</summary>
    public Task<ApiAnswer> GetPolicyAsync(CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, HttpRoutes.PolicyPath), cancellationToken);

    /// <summary><c>GET</c> <see cref="HttpRoutes.StatusPath"/> of one upload.</summary>
    public Task<ApiAnswer> GetStatusAsync(string blobPath, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, HttpRoutes.StatusOf(blobPath)), cancellationToken);

    private async Task<ApiAnswer> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var contentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            JsonElement? json = null;
            if (response.IsSuccessStatusCode)
            {
                json = JsonSerializer.Deserialize<JsonElement>(body);
            }

            return new ApiAnswer(response.StatusCode, contentType, body, json, response.Headers.CacheControl?.ToString());
        }
    }
}

/// <summary>The API's answer, passed on to the page as it came (problem+json included), with its <c>Cache-Control</c>.</summary>
public sealed record ApiAnswer(HttpStatusCode Status, string ContentType, byte[] Body, JsonElement? Json, string? CacheControl = null)
{
    public string? BlobPath => Json is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty("blobPath", out var path) ? path.GetString() : null;
}
