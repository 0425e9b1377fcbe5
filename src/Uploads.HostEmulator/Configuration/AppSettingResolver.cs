using System.Text.RegularExpressions;

namespace Uploads.HostEmulator.Configuration;

/// <summary>
/// Resolves <c>%Name%</c> in binding expressions against the app settings, as the host's name resolver does
/// (<c>%Uploads:ContainerName%</c> reads the setting <c>Uploads:ContainerName</c> or <c>Uploads__ContainerName</c>).
/// </summary>
internal sealed partial class AppSettingResolver(IReadOnlyDictionary<string, string> settings)
{
    public string Resolve(string expression) =>
        Placeholder().Replace(expression, match =>
        {
            var name = match.Groups["name"].Value;
            return Lookup(name) ?? throw new InvalidOperationException($"The binding expression '{expression}' names the app setting '{name}', which is not set.");
        });

    public string? Lookup(string name) =>
        settings.TryGetValue(name, out var value) || settings.TryGetValue(name.Replace(":", "__", StringComparison.Ordinal), out value)
            ? value
            : Environment.GetEnvironmentVariable(name.Replace(":", "__", StringComparison.Ordinal));

    [GeneratedRegex("%(?<name>[^%]+)%")]
    private static partial Regex Placeholder();
}
