using System.Text.Json;

namespace Uploads.DevHost;

/// <summary>
/// Reads the <c>Values</c> of a Functions <c>local.settings.json</c> into configuration, so that the dev host and
/// <c>func start</c> run from the same settings (<c>A__B</c> keys become <c>A:B</c>, as environment variables do).
/// </summary>
internal static class LocalSettings
{
    public static IEnumerable<KeyValuePair<string, string?>> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        if (!document.RootElement.TryGetProperty("Values", out var values))
        {
            return [];
        }

        return [.. values.EnumerateObject().Select(p => KeyValuePair.Create(p.Name.Replace("__", ":", StringComparison.Ordinal), (string?)p.Value.ToString()))];
    }

    /// <summary>The route prefix from host.json's <c>extensions.http.routePrefix</c> ("api" when unset, as in the host).</summary>
    public static string RoutePrefix(string hostJsonPath)
    {
        if (!File.Exists(hostJsonPath))
        {
            return "api";
        }

        using var document = JsonDocument.Parse(File.ReadAllText(hostJsonPath));
        return document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            ? prefix.GetString() ?? "api"
            : "api";
    }
}
