using Uploads.Policy;

namespace Uploads.Core.Hosting;

/// <summary>
/// Whether the app can serve uploads yet: the start-up work (containers where configured, the first
/// user-delegation key) has succeeded. Until then every API request is answered with a 503 problem and
/// <c>Retry-After</c> instead of waiting on storage that does not answer; <see cref="UploadsStartup"/> keeps
/// retrying in the background and flips this once.
/// </summary>
public sealed class UploadsReadiness
{
    private volatile string? _notReadyBecause = "the service is starting";
    private long _retryAfterTicks = RetryAdvice.NotYet.Ticks;

    public bool IsReady => _notReadyBecause is null;

    /// <summary>The problem to answer while not ready; null once ready.</summary>
    public UploadProblem? Problem => _notReadyBecause is { } reason
        ? Problems.ServiceUnavailable.With(
            $"The service cannot serve uploads yet: {reason}. Retry after the time in Retry-After; nothing was stored.",
            TimeSpan.FromTicks(Interlocked.Read(ref _retryAfterTicks)))
        : null;

    internal void NotReady(string reason, TimeSpan retryAfter)
    {
        Interlocked.Exchange(ref _retryAfterTicks, Math.Max(TimeSpan.FromSeconds(1).Ticks, retryAfter.Ticks));
        _notReadyBecause = reason;
    }

    internal void Ready() => _notReadyBecause = null;
}
