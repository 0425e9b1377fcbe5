namespace Uploads.Core.Contracts;

/// <summary>
/// A failure a client can act on, rendered as RFC 9457 <c>application/problem+json</c> by the HTTP layer.
/// <see cref="Code"/> is a stable machine-readable identifier; <see cref="Detail"/> tells the client what to do.
/// </summary>
public sealed record UploadProblem(int Status, string Code, string Title, string Detail)
{
    /// <summary>When set, the answer carries <c>Retry-After</c> (whole seconds): the request may succeed later as it is.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static UploadProblem BadRequest(string code, string detail) => new(400, code, "The request is malformed.", detail);

    public static UploadProblem Unauthorized(string detail) => new(401, ProblemCodes.InvalidApiKey, "A valid API key is required.", detail);

    public static UploadProblem InvalidFileName(string detail) => new(403, ProblemCodes.InvalidFileName, "The filename failed validation.", detail);

    public static UploadProblem NotFound(string detail) => new(404, ProblemCodes.NotFound, "Not found.", detail);

    public static UploadProblem TooLarge(string detail) => new(413, ProblemCodes.PayloadTooLarge, "The file is too large.", detail);

    public static UploadProblem UnsupportedType(string detail) => new(415, ProblemCodes.UnsupportedContentType, "The content type is not allowed or does not match the file.", detail);

    /// <summary>An unexpected failure: nothing about it is shown, the invocation id lets an operator find it in the logs.</summary>
    public static UploadProblem Internal(string invocationId) =>
        new(500, ProblemCodes.InternalError, "Internal error.", $"The request failed unexpectedly. Retry with backoff; if it persists, report invocation {invocationId}.");

    /// <summary>Storage (or the signing key it issues) cannot be reached now; the same request may succeed later.</summary>
    public static UploadProblem Unavailable(string detail, TimeSpan retryAfter) =>
        new(503, ProblemCodes.ServiceUnavailable, "The service is temporarily unavailable.", detail) { RetryAfter = retryAfter };
}
