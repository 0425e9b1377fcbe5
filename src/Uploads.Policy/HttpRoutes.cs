namespace Uploads.Policy;

/// <summary>
/// The API's HTTP routes, written once for the Functions app, its clients and the tests. The route constants are the
/// functions' <c>[HttpTrigger(Route = …)]</c> (constants, as attributes need), relative to the host's route prefix
/// <see cref="Prefix"/> (host.json <c>extensions.http.routePrefix</c>); the <c>…Path</c> constants are the same routes
/// under the prefix, as a client sends them relative to the API's base address (e.g. <c>api/integrations/uploads/url</c>).
/// A test fails when a function's route is not the constant here.
/// </summary>
public static class HttpRoutes
{
    /// <summary>The host's route prefix.</summary>
    public const string Prefix = "api";

    /// <summary><c>POST</c>: an upload URL (a new upload, or the renewal of one).</summary>
    public const string UploadUrl = "integrations/uploads/url";

    /// <summary><c>POST</c>: a multipart direct upload.</summary>
    public const string Direct = "integrations/uploads/direct";

    /// <summary><c>GET ?blobPath=…</c>: the status of an upload.</summary>
    public const string Status = "integrations/uploads/status";

    /// <summary><c>GET</c>: the allowed types and sizes.</summary>
    public const string Policy = "integrations/uploads/policy";

    /// <summary><c>POST</c>: a read URL for the verified (pinned) content of an upload.</summary>
    public const string ReadUrl = "integrations/uploads/read-url";

    /// <summary><c>GET</c>: the caller's uploads, a page at a time; <c>DELETE ?blobPath=…</c>: one of them removed.</summary>
    public const string Uploads = "integrations/uploads";

    /// <summary><c>GET</c>, without a key: the OpenAPI document.</summary>
    public const string OpenApi = "openapi.json";

    /// <summary><see cref="UploadUrl"/> under the prefix.</summary>
    public const string UploadUrlPath = Prefix + "/" + UploadUrl;

    /// <summary><see cref="Direct"/> under the prefix.</summary>
    public const string DirectPath = Prefix + "/" + Direct;

    /// <summary><see cref="Status"/> under the prefix.</summary>
    public const string StatusPath = Prefix + "/" + Status;

    /// <summary><see cref="Policy"/> under the prefix.</summary>
    public const string PolicyPath = Prefix + "/" + Policy;

    /// <summary><see cref="ReadUrl"/> under the prefix.</summary>
    public const string ReadUrlPath = Prefix + "/" + ReadUrl;

    /// <summary><see cref="Uploads"/> under the prefix.</summary>
    public const string UploadsPath = Prefix + "/" + Uploads;

    /// <summary><see cref="OpenApi"/> under the prefix.</summary>
    public const string OpenApiPath = Prefix + "/" + OpenApi;

    /// <summary>Every function route above.</summary>
    public static IReadOnlyList<string> All { get; } = [UploadUrl, Direct, Status, Policy, ReadUrl, Uploads, OpenApi];

    /// <summary>The status path of <paramref name="blobPath"/>: <c>api/integrations/uploads/status?blobPath=…</c>, the path escaped.</summary>
    public static string StatusOf(string blobPath) => StatusPath + "?blobPath=" + Uri.EscapeDataString(blobPath);
}
