using Microsoft.AspNetCore.Http;

namespace Uploads.HostEmulator.Http;

/// <summary>
/// The host's page at <c>GET /</c>: 200, HTML, "Your Functions 4.0 app is up and running" (what load balancers and
/// people probe). The host's own page has more styling; its status, type and sentence are what is reproduced.
/// </summary>
internal static class HomePage
{
    public const string Sentence = "Your Functions 4.0 app is up and running";

    private const string Html = $"""
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Your Functions 4.0 app is up and running</title></head>
        <body><h1>{Sentence}</h1><p>Azure Functions is an event-based serverless compute experience to accelerate your development.</p></body>
        </html>
        """;

    public static Task WriteAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/html; charset=utf-8";
        return http.Response.WriteAsync(Html, http.RequestAborted);
    }
}
