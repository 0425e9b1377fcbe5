namespace Uploads.HostEmulator.Http;

/// <summary>
/// One answer of an HTTP function as the client received it, for <see cref="Configuration.EmulatorOptions.OnHttpResponse"/>:
/// the request line, the function that ran, the status, the response headers and the first
/// <see cref="BodyLimit"/> bytes of the body. <see cref="AnsweredByHost"/> is true when the worker did not answer and
/// the host sent its own bare 500 (the invocation failed before a response started), which is no answer of the app.
/// </summary>
public sealed record HttpExchange(
    string Method,
    string Path,
    string QueryString,
    string FunctionName,
    int StatusCode,
    IReadOnlyDictionary<string, string> Headers,
    ReadOnlyMemory<byte> Body,
    bool BodyTruncated,
    bool AnsweredByHost)
{
    /// <summary>How much of a body is kept: the API's JSON answers are far smaller.</summary>
    public const int BodyLimit = 1024 * 1024;

    /// <summary>The response's Content-Type, or null.</summary>
    public string? ContentType => Headers.TryGetValue("Content-Type", out var value) ? value : null;
}
