using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.Policy;

namespace Uploads.Testing;

/// <summary>
/// A presigned upload as the guide's client makes it, written once for every test and benchmark: ask the API for an
/// upload URL (<c>POST api/integrations/uploads/url</c>), then one Put Blob to it with <c>x-ms-blob-type: BlockBlob</c>
/// and no SDK, as <c>requests.put</c>, curl or a browser does.
/// </summary>
public static class PresignedUpload
{
    /// <summary>The header a Put Blob must carry; storage refuses the PUT without it.</summary>
    public const string BlobTypeHeader = "x-ms-blob-type";

    /// <summary>An upload URL the API issued and the blob path it names.</summary>
    public sealed record IssuedUrl(Uri UploadUrl, string BlobPath);

    /// <summary>
    /// The Put Blob of <paramref name="content"/> to <paramref name="uploadUrl"/>: a block blob, unless
    /// <paramref name="headers"/> name another <see cref="BlobTypeHeader"/>; the headers are sent as given.
    /// </summary>
    public static HttpRequestMessage Put(Uri uploadUrl, HttpContent content, IEnumerable<(string Name, string Value)>? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, uploadUrl) { Content = content };
        var given = headers?.ToList() ?? [];
        if (!given.Any(h => string.Equals(h.Name, BlobTypeHeader, StringComparison.OrdinalIgnoreCase)))
        {
            request.Headers.Add(BlobTypeHeader, "BlockBlob");
        }

        foreach (var (name, value) in given)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>Sends <see cref="Put"/> with <paramref name="storage"/>; returns storage's status (201 Created when stored).</summary>
    public static async Task<HttpStatusCode> PutAsync(HttpClient storage, Uri uploadUrl, HttpContent content, IEnumerable<(string Name, string Value)>? headers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        using var request = Put(uploadUrl, content, headers);
        using var response = await storage.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return response.StatusCode;
    }

    /// <summary>As <see cref="PutAsync(HttpClient, Uri, HttpContent, IEnumerable{ValueTuple{string, string}}?, CancellationToken)"/>, for bytes sent without a content type.</summary>
    public static Task<HttpStatusCode> PutAsync(HttpClient storage, Uri uploadUrl, byte[] content, CancellationToken cancellationToken = default) =>
        PutAsync(storage, uploadUrl, new ByteArrayContent(content), null, cancellationToken);

    /// <summary>
    /// Asks the API for a URL for a new upload (<paramref name="api"/> carries the API base and key).
    /// </summary>
    /// <exception cref="HttpRequestException">The API answered other than 200 (the message carries its answer).</exception>
    public static async Task<IssuedUrl> RequestUrlAsync(HttpClient api, string fileName, string contentType, string? sha256 = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(api);
        using var response = sha256 is null
            ? await api.PostAsJsonAsync(HttpRoutes.UploadUrlPath, new { filename = fileName, contentType }, cancellationToken).ConfigureAwait(false)
            : await api.PostAsJsonAsync(HttpRoutes.UploadUrlPath, new { filename = fileName, contentType, sha256 }, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"POST {HttpRoutes.UploadUrlPath} for {fileName} ({contentType}) answered {(int)response.StatusCode}, not 200: {body}", null, response.StatusCode);
        }

        var url = JsonDocument.Parse(body).RootElement;
        return new IssuedUrl(new Uri(url.GetProperty("uploadUrl").GetString()!), url.GetProperty("blobPath").GetString()!);
    }

    /// <summary>The whole presigned upload of <paramref name="content"/>: a URL from <paramref name="api"/>, then the PUT with <paramref name="storage"/>.</summary>
    /// <exception cref="HttpRequestException">The API did not issue a URL, or storage did not store the bytes (201).</exception>
    public static async Task<IssuedUrl> UploadAsync(HttpClient api, HttpClient storage, byte[] content, string fileName, string contentType, CancellationToken cancellationToken = default)
    {
        var url = await RequestUrlAsync(api, fileName, contentType, cancellationToken: cancellationToken).ConfigureAwait(false);
        var status = await PutAsync(storage, url.UploadUrl, content, cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.Created)
        {
            throw new HttpRequestException($"The presigned PUT of {fileName} to {url.BlobPath} answered {(int)status}, not 201 Created.", null, status);
        }

        return url;
    }
}
