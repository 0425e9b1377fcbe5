using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
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
    private readonly BlobClientOptions _storageOptions;
    private readonly TransientRetry _retry;

    /// <param name="handler">The HTTP stack for the API and storage (a test's fault injector, a proxy…); null for the default.</param>
    public UploadsClient(UploadsClientOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Parallelism);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxAttempts);
        _options = options;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan; // blocks of any size; cancellation is the caller's
        _storageOptions = new BlobClientOptions { Transport = new HttpClientTransport(_http) };
        _storageOptions.Retry.MaxRetries = 0; // one retry rule: TransientRetry
        _retry = new TransientRetry(options);
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
            : await UploadBlocksAsync(file, progress, cancellationToken).ConfigureAwait(false);
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

    private async Task<UploadResult> UploadBlocksAsync(CheckedFile file, IProgress<UploadProgress>? progress, CancellationToken cancellationToken)
    {
        var journalPath = UploadJournal.PathFor(file.Path, _options.JournalDirectory);
        var lastWrite = File.GetLastWriteTimeUtc(file.Path);
        var plan = BlockPlan.For(file.SizeBytes, _options.BlockBytes);
        var journal = UploadJournal.TryRead(journalPath);

        // The whole file, on every run (a resumed one sends only some blocks, but declared the whole file's digest).
        var sha256 = _options.DeclareSha256 ? await FileSha256.OfFileAsync(file.Path, cancellationToken).ConfigureAwait(false) : null;
        UploadUrlResponse url;
        var staged = new HashSet<int>();
        if (journal is not null && journal.SizeBytes == file.SizeBytes && journal.LastWriteUtc == lastWrite && journal.ContentType == file.Type.MediaType
            && journal.Sha256 == sha256
            && await TryRenewAsync(journal.BlobPath, cancellationToken).ConfigureAwait(false) is { } renewed)
        {
            url = renewed;
            plan = new BlockPlan(file.SizeBytes, journal.BlockBytes);
            // Storage's list is the truth: a block counts as staged only if it is there with the expected size.
            var present = (renewed.StagedBlocks ?? []).ToDictionary(b => b.Id, b => b.SizeBytes, StringComparer.Ordinal);
            for (var index = 0; index < plan.Count; index++)
            {
                if (present.TryGetValue(BlockPlan.IdOf(index), out var size) && size == plan.LengthOf(index))
                {
                    staged.Add(index);
                }
            }
        }
        else
        {
            url = await RequestUrlAsync(file, sha256, cancellationToken).ConfigureAwait(false);
        }

        var resumed = staged.Count;
        var journalLock = new object();
        void Record(int? index)
        {
            lock (journalLock)
            {
                if (index is { } staging)
                {
                    staged.Add(staging);
                }

                new UploadJournal(url.BlobPath, file.Type.MediaType, file.SizeBytes, lastWrite, plan.BlockBytes, [.. staged.Order()], sha256).Write(journalPath);
            }
        }

        Record(null); // the journal names the path before the first block is sent

        async Task<UploadUrlResponse> RenewAsync(UploadUrlResponse expired)
        {
            try
            {
                return await RenewUrlAsync(expired.BlobPath, cancellationToken).ConfigureAwait(false);
            }
            catch (UploadApiException ex) when (ex.Status == 404)
            {
                // The URL expired before any block reached storage: nothing to resume, so start under a new path.
                var fresh = await RequestUrlAsync(file, sha256, cancellationToken).ConfigureAwait(false);
                lock (journalLock)
                {
                    url = fresh;
                    staged.Clear();
                }

                Record(null);
                return fresh;
            }
        }

        using var urlHolder = new UrlHolder(url);
        long sent = staged.Sum(i => (long)plan.LengthOf(i));
        var resumedBytes = sent;
        var stopwatch = Stopwatch.StartNew();
        long sentThisRun = 0;
        progress?.Report(new UploadProgress(file.Path, sent, file.SizeBytes, 0, resumedBytes));

        var missing = Enumerable.Range(0, plan.Count).Where(i => !staged.Contains(i)).ToArray();
        await Parallel.ForEachAsync(
            missing,
            new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                var length = plan.LengthOf(index);
                var buffer = new byte[length];
                await using (var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true))
                {
                    stream.Position = plan.OffsetOf(index);
                    await stream.ReadExactlyAsync(buffer, ct).ConfigureAwait(false);
                }

                await WithUrlAsync(urlHolder, RenewAsync, blob => blob.StageBlockAsync(BlockPlan.IdOf(index), new MemoryStream(buffer, writable: false), cancellationToken: ct), ct).ConfigureAwait(false);
                Record(index);
                var total = Interlocked.Add(ref sent, length);
                var thisRun = Interlocked.Add(ref sentThisRun, length);
                progress?.Report(new UploadProgress(file.Path, total, file.SizeBytes, thisRun / Math.Max(stopwatch.Elapsed.TotalSeconds, 1e-3), resumedBytes));
            }).ConfigureAwait(false);

        var ids = Enumerable.Range(0, plan.Count).Select(BlockPlan.IdOf).ToArray();
        await WithUrlAsync(
            urlHolder,
            RenewAsync,
            blob => blob.CommitBlockListAsync(ids, new Azure.Storage.Blobs.Models.CommitBlockListOptions { HttpHeaders = new() { ContentType = file.Type.MediaType } }, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        File.Delete(journalPath);
        return new UploadResult(file.Path, urlHolder.Current.BlobPath, UploadMode.Presigned, file.SizeBytes, missing.Length, resumed, sha256);
    }

    private async Task<UploadUrlResponse?> TryRenewAsync(string blobPath, CancellationToken cancellationToken)
    {
        try
        {
            return await RenewUrlAsync(blobPath, cancellationToken).ConfigureAwait(false);
        }
        catch (UploadApiException ex) when (ex.Status is 404 or 409 or 410)
        {
            return null; // nothing to resume (nothing staged, already finished, or too old): start a new upload
        }
    }

    /// <summary>
    /// Runs a storage call with the current URL, retrying transient failures; a 403 (the URL expired while the
    /// upload ran) renews the URL once, for every block in flight, and tries again.
    /// </summary>
    private async Task WithUrlAsync(UrlHolder holder, Func<UploadUrlResponse, Task<UploadUrlResponse>> renew, Func<BlockBlobClient, Task> call, CancellationToken cancellationToken)
    {
        for (var renewals = 0; ; renewals++)
        {
            var current = holder.Current;
            try
            {
                await _retry.RunAsync(
                    async _ =>
                    {
                        await call(new BlockBlobClient(current.UploadUrl, _storageOptions)).ConfigureAwait(false);
                        return true;
                    },
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 403 && renewals < 2)
            {
                await holder.RenewAsync(current, () => renew(current)).ConfigureAwait(false);
            }
        }
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

    /// <summary>The URL every block in flight uses; when one finds it expired, one renewal serves them all.</summary>
    private sealed class UrlHolder(UploadUrlResponse url) : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);

        public void Dispose() => _gate.Dispose();

        public UploadUrlResponse Current { get; private set; } = url;

        public async Task RenewAsync(UploadUrlResponse expired, Func<Task<UploadUrlResponse>> renew)
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (ReferenceEquals(Current, expired))
                {
                    Current = await renew().ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
