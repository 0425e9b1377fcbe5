namespace Uploads.Policy;

/// <summary>
/// Every <see cref="UploadProblem.Code"/> the API can answer, as constants clients can branch on. Each has its one
/// declaration (status, title) in <see cref="Problems"/>, and docs/openapi.json's <c>Problem.code</c> enum is tested to
/// equal <see cref="All"/>. A code is a public contract: one is added here, in <see cref="Problems"/> and to the
/// document, and never renamed.
/// </summary>
public static class ProblemCodes
{
    // 400: the request is malformed.
    public const string MalformedJson = "malformed_json";
    public const string DuplicateProperty = "duplicate_property";
    public const string MissingField = "missing_field";
    public const string InvalidField = "invalid_field";
    public const string BodyTooLarge = "body_too_large";
    public const string AmbiguousRequest = "ambiguous_request";
    public const string InvalidBlobPath = "invalid_blob_path";
    public const string NotMultipart = "not_multipart";
    public const string MalformedMultipart = "malformed_multipart";
    public const string MissingFile = "missing_file";
    public const string MissingFileName = "missing_filename";
    public const string EmptyFile = "empty_file";
    public const string SeveralFiles = "several_files";
    public const string TooManyParts = "too_many_parts";
    public const string FieldTooLarge = "field_too_large";
    public const string UnexpectedFileField = "unexpected_file_field";
    public const string AmbiguousFileName = "ambiguous_filename";
    public const string MalformedRequest = "malformed_request";

    // 401, 403, 404
    public const string InvalidApiKey = "invalid_api_key";
    public const string InvalidFileName = "invalid_filename";
    public const string ForeignBlobPath = "foreign_blob_path";
    public const string NotFound = "not_found";

    // 408, 409, 410, 413, 415
    public const string RequestTimeout = "request_timeout";
    public const string UploadVerified = "upload_verified";
    public const string UploadRejected = "upload_rejected";
    public const string UploadPending = "upload_pending";
    public const string RenewalWindowClosed = "renewal_window_closed";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedContentType = "unsupported_content_type";
    public const string UnsupportedRequestType = "unsupported_request_type";
    public const string MissingExtension = "missing_extension";
    public const string Sha256Mismatch = "sha256_mismatch";

    // 500, 503
    public const string InternalError = "internal_error";
    public const string ServiceUnavailable = "service_unavailable";

    /// <summary>All the codes, in the order of <see cref="Problems.All"/>.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Problems.All.Select(p => p.Code)];
}
