using System.Text.Json;

namespace Uploads.HostEmulator.Configuration;

/// <summary>What the emulator reads from the app's <c>host.json</c>: the HTTP route prefix.</summary>
public static class HostJson
{
    public const string DefaultRoutePrefix = "api";

    /// <summary><c>extensions.http.routePrefix</c>, "api" when unset (as the host does); may be empty.</summary>
    public static string RoutePrefix(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path))
        {
            return DefaultRoutePrefix;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            && prefix.ValueKind == JsonValueKind.String
            ? prefix.GetString()!.Trim('/')
            : DefaultRoutePrefix;
    }
}
