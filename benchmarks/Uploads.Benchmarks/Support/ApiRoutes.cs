using Uploads.Policy;

namespace Uploads.Benchmarks.Support;

/// <summary>
/// The API routes the benchmarks send to, as relative URIs from the shared <see cref="HttpRoutes"/> (the guide's
/// Python script in <c>ClientThroughput</c> is quoted unchanged and keeps its own).
/// </summary>
internal static class ApiRoutes
{
    /// <summary><c>POST</c>: an upload URL.</summary>
    public static readonly Uri Url = new(HttpRoutes.UploadUrlPath, UriKind.Relative);

    /// <summary><c>POST</c>: a multipart direct upload.</summary>
    public static readonly Uri Direct = new(HttpRoutes.DirectPath, UriKind.Relative);

    /// <summary>A route no function declares: the emulator's own 404.</summary>
    public static readonly Uri NoSuchFunction = new(HttpRoutes.Prefix + "/integrations/uploads/no-such-function", UriKind.Relative);

    /// <summary><c>GET</c>: the status of <paramref name="blobPath"/>.</summary>
    public static Uri Status(string blobPath) => new(HttpRoutes.StatusOf(blobPath), UriKind.Relative);
}
