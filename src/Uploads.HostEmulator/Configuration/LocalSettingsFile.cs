using System.Text.Json;

namespace Uploads.HostEmulator.Configuration;

/// <summary>
/// A Functions <c>local.settings.json</c>: its <c>Values</c> are the app settings (the worker's environment, as with
/// <c>func start</c>), and <c>Host.LocalHttpPort</c> the port Core Tools would listen on.
/// </summary>
public sealed record LocalSettingsFile(IReadOnlyDictionary<string, string> Values, int? LocalHttpPort)
{
    public static LocalSettingsFile Empty { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal), null);

    public static LocalSettingsFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No settings file at '{path}'.", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document.RootElement.TryGetProperty(nameof(Values), out var section) && section.ValueKind == JsonValueKind.Object)
        {
            foreach (var setting in section.EnumerateObject())
            {
                values[setting.Name] = setting.Value.ValueKind == JsonValueKind.String ? setting.Value.GetString()! : setting.Value.GetRawText();
            }
        }

        int? port = document.RootElement.TryGetProperty("Host", out var host)
            && host.TryGetProperty(nameof(LocalHttpPort), out var p) && p.TryGetInt32(out var value) ? value : null;
        return new LocalSettingsFile(values, port);
    }

    /// <summary>
    /// The values that apply in an environment: as with <c>func start</c>, a variable the environment already
    /// defines wins over the file (Core Tools skips that value; azure-functions-core-tools#3121). Returns the
    /// applicable values and the names skipped.
    /// </summary>
    public (IReadOnlyDictionary<string, string> Values, IReadOnlyList<string> Skipped) ApplicableIn(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var applicable = new Dictionary<string, string>(StringComparer.Ordinal);
        var skipped = new List<string>();
        foreach (var (name, value) in Values)
        {
            if (environment(name) is null)
            {
                applicable[name] = value;
            }
            else
            {
                skipped.Add(name);
            }
        }

        return (applicable, skipped);
    }
}
