namespace Uploads.Policy;

/// <summary>
/// The body of every error answer (<c>application/problem+json</c>, RFC 9457), as a client reads it: the fields of the
/// answer's <see cref="UploadProblem"/> and the <c>traceId</c> the host adds. All optional: a proxy's problem may
/// carry none of them.
/// </summary>
/// <param name="Type">The RFC 9457 type URI.</param>
/// <param name="Title">The title <see cref="Problems"/> declares for <paramref name="Code"/>.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Detail">What to do about it.</param>
/// <param name="Code">One of <see cref="ProblemCodes"/>.</param>
/// <param name="TraceId">The request's trace, for an operator.</param>
public sealed record ProblemResponse(string? Type, string? Title, int? Status, string? Detail, string? Code, string? TraceId = null);
