namespace Uploads.Benchmarks.Support;

/// <summary>
/// The API routes the benchmarks send to, relative to the emulator's base address: the one place in the benchmarks
/// that writes them (the guide's Python script in <c>ClientThroughput</c> is quoted unchanged and keeps its own).
/// </summary>
internal static class ApiRoutes
{
    private const string Uploads = "api/integrations/uploads/";

    /// <summary><c>POST</c>: an upload URL.</summary>
    public static readonly Uri Url = new(Uploads + "url", UriKind.Relative);

    /// <summary><c>POST</c>: a multipart direct upload.</summary>
    public static readonly Uri Direct = new(Uploads + "direct", UriKind.Relative);

    /// <summary>A route no function declares: the emulator's own 404.</summary>
    public static readonly Uri NoSuchFunction = new(Uploads + "no-such-function", UriKind.Relative);

    /// <summary><c>GET</c>: the status of <paramref name="blobPath"/>.</summary>
    public static Uri Status(string blobPath) => new(Uploads + "status?blobPath=" + Uri.EscapeDataString(blobPath), UriKind.Relative);
}
