using Azure;
using Azure.Identity;

namespace Uploads.Core.Storage;

/// <summary>
/// The one answer to "did storage fail for now?", asked wherever a storage failure is survived rather than a bug:
/// the HTTP functions answer it with 503 + Retry-After (<c>ExceptionHandlingMiddleware</c>), start-up retries it with
/// back-off (<c>UploadsStartup</c>), the reconciliation pass leaves the upload pending for its next run
/// (<c>UploadReconciler</c>). Anything else is a bug and propagates.
/// </summary>
public static class StorageFailures
{
    /// <summary>
    /// True when <paramref name="exception"/> means storage or the identity endpoint could not be reached, or refused
    /// the request, after the SDK's own retries: a <see cref="RequestFailedException"/> of any status (the callers
    /// handle the answers they expect, such as 404 or 412, where they make them; what escapes is storage refusing),
    /// a token that could not be obtained, a connection that failed or was reset, a timeout, or an aggregate of only
    /// these. A try that exceeded <c>Uploads:StorageNetworkTimeout</c> ends in an
    /// <see cref="OperationCanceledException"/> from the SDK's own token, which counts; the caller's own cancellation
    /// (<paramref name="cancellation"/>: the request's, the host's, the pass's) never does.
    /// </summary>
    public static bool IsUnavailable(Exception exception, CancellationToken cancellation) =>
        !cancellation.IsCancellationRequested && IsUnavailable(exception);

    private static bool IsUnavailable(Exception exception) => exception switch
    {
        RequestFailedException => true,
        AuthenticationFailedException or CredentialUnavailableException => true,
        HttpRequestException or IOException or TimeoutException or OperationCanceledException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsUnavailable),
        _ => false,
    };
}
