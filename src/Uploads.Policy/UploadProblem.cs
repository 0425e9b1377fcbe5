namespace Uploads.Policy;

/// <summary>
/// A failure a client can act on, rendered as RFC 9457 <c>application/problem+json</c> by the HTTP layer. Built only
/// from a declared <see cref="ProblemType"/> (<c>Problems.X.With(detail)</c>), which fixes <see cref="Status"/>,
/// <see cref="Code"/> and <see cref="Title"/>; <see cref="Detail"/> tells the client what to do.
/// </summary>
public sealed class UploadProblem
{
    internal UploadProblem(ProblemType type, string detail, TimeSpan? retryAfter)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(detail);
        Type = type;
        Detail = detail;
        RetryAfter = retryAfter;
    }

    /// <summary>The declaration this problem is of.</summary>
    public ProblemType Type { get; }

    public int Status => Type.Status;

    public string Code => Type.Code;

    public string Title => Type.Title;

    public string Detail { get; }

    /// <summary>When set, the answer carries <c>Retry-After</c> (whole seconds): the request may succeed later as it is.</summary>
    public TimeSpan? RetryAfter { get; }

    public override string ToString() => $"{Status} {Code}: {Detail}";
}
