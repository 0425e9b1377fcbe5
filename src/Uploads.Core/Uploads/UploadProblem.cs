namespace Uploads.Core.Uploads;

/// <summary>
/// A failure a client can act on, rendered as RFC 9457 <c>application/problem+json</c> by the HTTP layer.
/// <see cref="Code"/> is a stable machine-readable identifier; <see cref="Detail"/> tells the client what to do.
/// </summary>
public sealed record UploadProblem(int Status, string Code, string Title, string Detail)
{
    public static UploadProblem BadRequest(string code, string detail) => new(400, code, "The request is malformed.", detail);

    public static UploadProblem Unauthorized(string detail) => new(401, "invalid_api_key", "A valid API key is required.", detail);

    public static UploadProblem InvalidFileName(string detail) => new(403, "invalid_filename", "The filename failed validation.", detail);

    public static UploadProblem NotFound(string detail) => new(404, "not_found", "Not found.", detail);

    public static UploadProblem TooLarge(string detail) => new(413, "payload_too_large", "The file is too large.", detail);

    public static UploadProblem UnsupportedType(string detail) => new(415, "unsupported_content_type", "The content type is not allowed or does not match the file.", detail);
}
