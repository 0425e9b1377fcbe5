using System.Net.Http.Json;
using System.Security.Cryptography;
using Uploads.Policy;

namespace Uploads.Client;

/// <summary>The consumer side: read URLs for verified content, downloads checked against their SHA-256, list and delete.</summary>
public sealed partial class UploadsClient
{

    /// <summary><c>POST /api/integrations/uploads/read-url</c>: a read-only URL for the verified content of one of your uploads.</summary>
    public Task<ReadUrlResponse> GetReadUrlAsync(string blobPath, CancellationToken cancellationToken = default) =>
        SendAsync(
            () => JsonContent.Create(new ReadUrlRequest(blobPath), ClientJsonContext.Default.ReadUrlRequest),
            HttpMethod.Post, HttpRoutes.ReadUrlPath, ClientJsonContext.Default.ReadUrlResponse, cancellationToken);

    /// <summary>
    /// Downloads the verified content of <paramref name="blobPath"/> to <paramref name="destination"/>: through a fresh
    /// read URL, into <c>DESTINATION.part</c> while hashing, then checked against the answer's size and SHA-256 (when
    /// the API gave one) and only then moved to <paramref name="destination"/> (replacing it). A mismatch keeps nothing
    /// and throws <see cref="DownloadIntegrityException"/>; transient failures are retried from the start.
    /// </summary>
    public async Task<DownloadResult> DownloadAsync(string blobPath, string destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        var readUrl = await GetReadUrlAsync(blobPath, cancellationToken).ConfigureAwait(false);
        var partial = destination + ".part";
        try
        {
            var (size, sha256) = await _retry.RunAsync(ct => DownloadOnceAsync(readUrl.ReadUrl, partial, ct), cancellationToken).ConfigureAwait(false);
            if (size != readUrl.SizeBytes)
            {
                throw new DownloadIntegrityException($"{blobPath}: downloaded {size} bytes where the API said {readUrl.SizeBytes}; nothing was kept. Download it again.");
            }

            if (readUrl.Sha256 is { } expected && !string.Equals(expected, sha256, StringComparison.Ordinal))
            {
                throw new DownloadIntegrityException($"{blobPath}: the downloaded bytes have SHA-256 {sha256}, not {expected} as the API said; nothing was kept. Download it again.");
            }

            File.Move(partial, destination, overwrite: true);
            return new DownloadResult(blobPath, destination, size, readUrl.ContentType, sha256, readUrl.Sha256 is not null);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary><c>GET /api/integrations/uploads</c>: one page of your uploads (<paramref name="state"/> pending, verified or rejected; null for all).</summary>
    public Task<UploadListResponse> ListPageAsync(string? state = null, int? pageSize = null, string? continuation = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (state is not null)
        {
            query.Add("state=" + Uri.EscapeDataString(state));
        }

        if (pageSize is { } size)
        {
            query.Add("pageSize=" + size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (continuation is not null)
        {
            query.Add("continuation=" + Uri.EscapeDataString(continuation));
        }

        var relative = query.Count == 0 ? HttpRoutes.UploadsPath : HttpRoutes.UploadsPath + "?" + string.Join('&', query);
        return SendAsync(null, HttpMethod.Get, relative, ClientJsonContext.Default.UploadListResponse, cancellationToken);
    }

    /// <summary>Every upload of yours, page after page.</summary>
    public async IAsyncEnumerable<UploadListItem> ListAsync(string? state = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? continuation = null;
        do
        {
            var page = await ListPageAsync(state, null, continuation, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Uploads)
            {
                yield return item;
            }

            continuation = page.Continuation;
        }
        while (continuation is not null);
    }

    /// <summary><c>DELETE /api/integrations/uploads?blobPath=…</c>: removes one of your uploads with its verified content (idempotent).</summary>
    public Task DeleteAsync(string blobPath, CancellationToken cancellationToken = default) =>
        SendAsync(null, HttpMethod.Delete, HttpRoutes.UploadsPath + "?blobPath=" + Uri.EscapeDataString(blobPath), ClientJsonContext.Default.ProblemResponse, cancellationToken);

    private async Task<(long Size, string Sha256)> DownloadOnceAsync(Uri url, string partial, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var message = $"Storage answered {(int)response.StatusCode} {response.ReasonPhrase} to the read URL.";
            throw TransientRetry.IsTransient(response.StatusCode)
                ? new TransientStatusException(response.StatusCode, response.Headers.RetryAfter?.Delta, null, message)
                : new UploadApiException((int)response.StatusCode, null, message);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var target = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            await using (target.ConfigureAwait(false))
            {
                var buffer = new byte[81920];
                long size = 0;
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    size += read;
                }

                return (size, Convert.ToBase64String(hash.GetHashAndReset()));
            }
        }
    }
}
