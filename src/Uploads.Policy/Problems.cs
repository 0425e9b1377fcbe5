namespace Uploads.Policy;

/// <summary>
/// Every problem the API answers, declared once: code, HTTP status and title together (the way tus/tusd declares its
/// errors). Call sites build a problem with <c>Problems.X.With(detail)</c> and never pick a status or a title; the
/// client reads <see cref="ProblemType.IsPolicyRefusal"/> from here; <see cref="ProblemCodes.All"/> and
/// docs/openapi.json's <c>Problem.code</c> enum list exactly these codes.
/// </summary>
public static class Problems
{
    private const string Malformed = "The request is malformed.";

    // 400: the request is malformed.
    public static ProblemType MalformedJson { get; } = new(ProblemCodes.MalformedJson, 400, Malformed);
    public static ProblemType DuplicateProperty { get; } = new(ProblemCodes.DuplicateProperty, 400, Malformed);
    public static ProblemType MissingField { get; } = new(ProblemCodes.MissingField, 400, Malformed);
    public static ProblemType InvalidField { get; } = new(ProblemCodes.InvalidField, 400, Malformed);
    public static ProblemType BodyTooLarge { get; } = new(ProblemCodes.BodyTooLarge, 400, Malformed);
    public static ProblemType AmbiguousRequest { get; } = new(ProblemCodes.AmbiguousRequest, 400, Malformed);
    public static ProblemType InvalidBlobPath { get; } = new(ProblemCodes.InvalidBlobPath, 400, Malformed);
    public static ProblemType NotMultipart { get; } = new(ProblemCodes.NotMultipart, 400, Malformed);
    public static ProblemType MalformedMultipart { get; } = new(ProblemCodes.MalformedMultipart, 400, Malformed);
    public static ProblemType MissingFile { get; } = new(ProblemCodes.MissingFile, 400, Malformed);
    public static ProblemType MissingFileName { get; } = new(ProblemCodes.MissingFileName, 400, Malformed);
    public static ProblemType EmptyFile { get; } = new(ProblemCodes.EmptyFile, 400, Malformed);
    public static ProblemType SeveralFiles { get; } = new(ProblemCodes.SeveralFiles, 400, Malformed);
    public static ProblemType TooManyParts { get; } = new(ProblemCodes.TooManyParts, 400, Malformed);
    public static ProblemType FieldTooLarge { get; } = new(ProblemCodes.FieldTooLarge, 400, Malformed);
    public static ProblemType UnexpectedFileField { get; } = new(ProblemCodes.UnexpectedFileField, 400, Malformed);
    public static ProblemType AmbiguousFileName { get; } = new(ProblemCodes.AmbiguousFileName, 400, Malformed);

    /// <summary>The host refused the request body (Kestrel's <c>BadHttpRequestException</c> other than 408 and 413).</summary>
    public static ProblemType MalformedRequest { get; } = new(ProblemCodes.MalformedRequest, 400, "The request body is not acceptable.");

    // 401, 403, 404
    public static ProblemType InvalidApiKey { get; } = new(ProblemCodes.InvalidApiKey, 401, "A valid API key is required.");
    public static ProblemType InvalidFileName { get; } = new(ProblemCodes.InvalidFileName, 403, "The filename failed validation.", isPolicyRefusal: true);
    public static ProblemType ForeignBlobPath { get; } = new(ProblemCodes.ForeignBlobPath, 403, "The blob path belongs to another client.");
    public static ProblemType NotFound { get; } = new(ProblemCodes.NotFound, 404, "Not found.");

    // 408, 409, 410, 413, 415
    public static ProblemType RequestTimeout { get; } = new(ProblemCodes.RequestTimeout, 408, "The request body arrived too slowly.");
    public static ProblemType UploadVerified { get; } = new(ProblemCodes.UploadVerified, 409, "The upload is complete and verified.");
    public static ProblemType UploadRejected { get; } = new(ProblemCodes.UploadRejected, 409, "The upload was rejected.");
    public static ProblemType UploadPending { get; } = new(ProblemCodes.UploadPending, 409, "The upload is not verified yet.", retryAfter: RetryAdvice.NotYet);
    public static ProblemType RenewalWindowClosed { get; } = new(ProblemCodes.RenewalWindowClosed, 410, "The upload can no longer be renewed.");

    /// <summary>Over a size limit: the file's category's, the direct endpoint's, or the host's (Kestrel's 413).</summary>
    public static ProblemType PayloadTooLarge { get; } = new(ProblemCodes.PayloadTooLarge, 413, "The file is too large.", isPolicyRefusal: true);
    public static ProblemType UnsupportedContentType { get; } = new(ProblemCodes.UnsupportedContentType, 415, "The content type is not allowed or does not match the file.", isPolicyRefusal: true);
    public static ProblemType UnsupportedRequestType { get; } = new(ProblemCodes.UnsupportedRequestType, 415, "The request body must be JSON.", isPolicyRefusal: true);
    public static ProblemType MissingExtension { get; } = new(ProblemCodes.MissingExtension, 415, "The filename needs an extension.", isPolicyRefusal: true);
    public static ProblemType Sha256Mismatch { get; } = new(ProblemCodes.Sha256Mismatch, 415, "The file does not match its declared SHA-256.", isPolicyRefusal: true);

    // 500, 503
    public static ProblemType InternalError { get; } = new(ProblemCodes.InternalError, 500, "Internal error.");
    public static ProblemType ServiceUnavailable { get; } = new(ProblemCodes.ServiceUnavailable, 503, "The service is temporarily unavailable.", retryAfter: RetryAdvice.NotYet);

    /// <summary>All the declarations above, in declaration order.</summary>
    public static IReadOnlyList<ProblemType> All { get; } =
    [
        MalformedJson, DuplicateProperty, MissingField, InvalidField, BodyTooLarge, AmbiguousRequest, InvalidBlobPath,
        NotMultipart, MalformedMultipart, MissingFile, MissingFileName, EmptyFile, SeveralFiles, TooManyParts,
        FieldTooLarge, UnexpectedFileField, AmbiguousFileName, MalformedRequest,
        InvalidApiKey, InvalidFileName, ForeignBlobPath, NotFound,
        RequestTimeout, UploadVerified, UploadRejected, UploadPending, RenewalWindowClosed, PayloadTooLarge, UnsupportedContentType,
        UnsupportedRequestType, MissingExtension, Sha256Mismatch,
        InternalError, ServiceUnavailable,
    ];

    /// <summary>The declaration of <paramref name="code"/>; null for a code this version does not know.</summary>
    public static ProblemType? Find(string? code) => code is null ? null : All.FirstOrDefault(p => string.Equals(p.Code, code, StringComparison.Ordinal));

    /// <summary>
    /// Whether an answer is a policy refusal (sending it again will not help): as declared for a known code; for an
    /// answer without a known code (a proxy's), whether a policy refusal is declared with its status.
    /// </summary>
    public static bool IsPolicyRefusal(int status, string? code) =>
        Find(code) is { } type ? type.IsPolicyRefusal : All.Any(p => p.IsPolicyRefusal && p.Status == status);

    /// <summary>
    /// The problem for a request body the host refused with <paramref name="status"/> (Kestrel's
    /// <c>BadHttpRequestException.StatusCode</c>): 408 too slow, 413 over the size limit, anything else malformed.
    /// The one mapping of those statuses, used by every place that catches the exception.
    /// </summary>
    public static ProblemType ForRefusedBody(int status) => status switch
    {
        408 => RequestTimeout,
        413 => PayloadTooLarge,
        _ => MalformedRequest,
    };
}
