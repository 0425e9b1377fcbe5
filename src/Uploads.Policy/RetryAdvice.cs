namespace Uploads.Policy;

/// <summary>
/// The one <c>Retry-After</c> the API gives for an answer that means "not yet": a verdict still being checked
/// (status <c>pending</c>), storage that did not answer (503), a service still starting (503). A client that polls
/// waits this long before it asks again. The problems that carry it are declared in <see cref="Problems"/>
/// (<see cref="ProblemType.RetryAfter"/>).
/// </summary>
public static class RetryAdvice
{
    public static readonly TimeSpan NotYet = TimeSpan.FromSeconds(5);
}
