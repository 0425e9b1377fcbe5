using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Uploads.Policy;

namespace Uploads.Client;

/// <summary>
/// A client of the upload API for any .NET program: checks a file before sending it (<see cref="Preflight"/>),
/// uploads small files directly and larger ones as blocks staged in parallel to a presigned URL, resumes an
/// interrupted block upload from its journal (renewing the URL, sending only the blocks storage lacks), retries
/// transient failures, reports progress and waits for the verdict. Every call honours its cancellation token.
/// </summary>
public sealed partial class UploadsClient : IDisposable
{
    private readonly UploadsClientOptions _options;
    private readonly HttpClient _http;
    private readonly TransientRetry _retry;
    private readonly BlockUpload _blocks;

    /// <param name="handler">The HTTP stack for the API and storage (a test's fault injector, a proxy…); null for the default.</param>
    public UploadsClient(UploadsClientOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Parallelism);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxAttempts);
        _options = options;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan; // blocks of any size; cancellation is the caller's
        var storageOptions = new BlobClientOptions { Transport = new HttpClientTransport(_http) };
        storageOptions.Retry.MaxRetries = 0; // one retry rule: TransientRetry
        _retry = new TransientRetry(options);
        _blocks = new BlockUpload(this, options, _retry, storageOptions);
    }

    public void Dispose() => _http.Dispose();

    /// <summary><c>POST /api/integrations/uploads/url</c> for a checked file, declaring its SHA-256 (base64, <see cref="FileSha256"/>) when not null.</summary>
    public Task<UploadUrlResponse> RequestUrlAsync(CheckedFile file, string? sha256 = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        return SendAsync(
            () => JsonContent.Create(new UploadUrlRequest(file.FileName, file.Type.MediaType, file.SizeBytes, Sha256: sha256), ClientJsonContext.Default.UploadUrlRequest),
            HttpMethod.Post, HttpRoutes.UploadUrlPath, ClientJsonContext.Default.UploadUrlResponse, cancellationToken);
    }

    /// <summary>A fresh URL for an unfinished upload, with the blocks storage already holds.</summary>
    public Task<UploadUrlResponse> RenewUrlAsync(string blobPath, CancellationToken cancellationToken = default) =>
        SendAsync(
            () => JsonContent.Create(new UploadUrlRequest(null, null, null, blobPath), ClientJsonContext.Default.UploadUrlRequest),
            HttpMethod.Post, HttpRoutes.UploadUrlPath, ClientJsonContext.Default.UploadUrlResponse, cancellationToken);

    /// <summary><c>GET /api/integrations/uploads/status</c>.</summary>
    public Task<UploadStatus> GetStatusAsync(string blobPath, CancellationToken cancellationToken = default) =>
        SendAsync(null, HttpMethod.Get, HttpRoutes.StatusOf(blobPath), ClientJsonContext.Default.UploadStatus, cancellationToken);

    /// <summary>Polls the status until it is verified or rejected (interval growing from the option to 5 s).</summary>
    public async Task<UploadStatus> WaitForVerdictAsync(string blobPath, CancellationToken cancellationToken = default)
    {
        var interval = _options.StatusPollInterval;
        while (true)
        {
            var status = await GetStatusAsync(blobPath, cancellationToken).ConfigureAwait(false);
            if (status.IsFinal)
            {
                return status;
            }

            await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            interval = TimeSpan.FromMilliseconds(Math.Min(5000, interval.TotalMilliseconds * 2));
        }
    }

    /// <summary>Checks and uploads one file; returns where it went. <see cref="UploadMode.Auto"/> picks by size.</summary>
    public async Task<UploadResult> UploadAsync(string path, UploadMode mode = UploadMode.Auto, IProgress<UploadProgress>? progress = null, string? contentType = null, CancellationToken cancellationToken = default)
    {
        var file = Preflight.Check(path, contentType);
        var direct = mode == UploadMode.Direct || (mode == UploadMode.Auto && file.SizeBytes <= _options.DirectMaxBytes);
        if (direct && file.SizeBytes > _options.DirectMaxBytes)
        {
            throw new UploadRefusedException(path, $"{file.FileName} is {file.SizeBytes} bytes; the direct endpoint takes at most {_options.DirectMaxBytes}. Use a presigned upload.");
        }

        return direct
            ? await UploadDirectAsync(file, progress, cancellationToken).ConfigureAwait(false)
            : await _blocks.RunAsync(file, progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<UploadResult> UploadDirectAsync(CheckedFile file, IProgress<UploadProgress>? progress, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();

        // At most the direct cap: read once, hashed and sent from memory (the sha256 field precedes the file).
        var content = _options.DeclareSha256 ? await File.ReadAllBytesAsync(file.Path, cancellationToken).ConfigureAwait(false) : null;
        var sha256 = content is null ? null : FileSha256.ToBase64(content);
        var result = await SendAsync(
            () =>
            {
                HttpContent part = content is null ? new StreamContent(File.OpenRead(file.Path)) : new ByteArrayContent(content);
                part.Headers.ContentType = new MediaTypeHeaderValue(file.Type.MediaType);
                var form = new MultipartFormDataContent();
                if (sha256 is not null)
                {
                    form.Add(new StringContent(sha256), "sha256");
                }

                form.Add(part, "file", file.FileName);
                return form;
            },
            HttpMethod.Post, HttpRoutes.DirectPath, ClientJsonContext.Default.DirectUploadResponse, cancellationToken).ConfigureAwait(false);
        progress?.Report(new UploadProgress(file.Path, file.SizeBytes, file.SizeBytes, file.SizeBytes / Math.Max(stopwatch.Elapsed.TotalSeconds, 1e-3)));
        return new UploadResult(file.Path, result.BlobPath, UploadMode.Direct, file.SizeBytes, 0, 0, sha256);
    }

    private async Task<T> SendAsync<T>(Func<HttpContent>? content, HttpMethod method, string relative, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.RunAsync(
                async ct =>
                {
                    using var request = new HttpRequestMessage(method, new Uri(_options.ApiBase, relative));
                    request.Headers.Add(Constants.ApiKeyHeader, _options.ApiKey);
                    request.Content = content?.Invoke();
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.NoContent)
                    {
                        return default!;
                    }

                    if (response.IsSuccessStatusCode)
                    {
                        return (await response.Content.ReadFromJsonAsync(typeInfo, ct).ConfigureAwait(false))!;
                    }

                    var problem = await ReadProblemAsync(response, ct).ConfigureAwait(false);
                    var message = $"{(int)response.StatusCode} {problem?.Code}: {problem?.Detail ?? response.ReasonPhrase}";
                    if (TransientRetry.IsTransient(response.StatusCode))
                    {
                        throw new TransientStatusException(response.StatusCode, response.Headers.RetryAfter?.Delta, problem?.Code, message);
                    }

                    throw new UploadApiException((int)response.StatusCode, problem?.Code, message);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (TransientStatusException ex)
        {
            throw new UploadApiException((int)ex.Status, ex.Code, ex.Message);
        }
    }

    private static async Task<ProblemResponse?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.ProblemResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return null;
        }
    }
}
