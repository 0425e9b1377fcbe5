using System.Net;
using Azure;

namespace Uploads.Client;

/// <summary>
/// The one retry rule of the client, for API calls and blocks alike: transient failures (408, 429, 5xx, connection
/// resets and timeouts) are retried with exponential backoff and full jitter, honouring <c>Retry-After</c>; anything
/// else, and the caller's cancellation, ends at once.
/// </summary>
internal sealed class TransientRetry(UploadsClientOptions options)
{
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        for (var number = 1; ; number++)
        {
            TimeSpan? retryAfter;
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (number < options.MaxAttempts && !cancellationToken.IsCancellationRequested && IsTransient(ex, out retryAfter))
            {
            }

            var ceiling = Math.Min(options.MaxRetryDelay.TotalMilliseconds, options.RetryDelay.TotalMilliseconds * Math.Pow(2, number - 1));
            var delay = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
            if (retryAfter is { } after && after > delay)
            {
                delay = after < options.MaxRetryDelay ? after : options.MaxRetryDelay;
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    public static bool IsTransient(Exception exception, out TimeSpan? retryAfter)
    {
        retryAfter = null;
        switch (exception)
        {
            case TransientStatusException status:
                retryAfter = status.RetryAfter;
                return true;
            case RequestFailedException storage:
                return storage.Status is 0 or 408 or 429 or >= 500;
            case HttpRequestException or IOException:
                return true;
            case TaskCanceledException:
                return true; // HttpClient's timeout (the caller's cancellation is checked before this)
            default:
                return false;
        }
    }

    public static bool IsTransient(HttpStatusCode status) => (int)status is 408 or 429 or >= 500;
}

/// <summary>An API answer worth retrying (408, 429, 5xx).</summary>
internal sealed class TransientStatusException(HttpStatusCode status, TimeSpan? retryAfter, string? code, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public string? Code { get; } = code;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}
