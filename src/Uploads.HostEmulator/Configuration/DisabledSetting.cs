namespace Uploads.HostEmulator.Configuration;

/// <summary>
/// The host's switch that disables one function: the app setting <c>AzureWebJobs.&lt;name&gt;.Disabled</c> (or
/// <c>AzureWebJobs__&lt;name&gt;__Disabled</c>, the form an environment variable takes) set to <c>true</c> or <c>1</c>,
/// as the WebJobs SDK reads it. The host still indexes and loads a disabled function but starts no listener for it,
/// and answers its HTTP route with an empty 404 (unless the request carries the master key, which the emulator does
/// not have). This is the one place the rule is read; the triggers ask <see cref="Worker.WorkerFunction.IsDisabled"/>.
/// </summary>
internal static class DisabledSetting
{
    /// <summary>The setting's name for <paramref name="functionName"/>, as the portal writes it.</summary>
    public static string NameFor(string functionName) => $"AzureWebJobs.{functionName}.Disabled";

    public static bool IsDisabled(AppSettingResolver settings, string functionName)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return (settings.Lookup(NameFor(functionName)) ?? settings.Lookup($"AzureWebJobs__{functionName}__Disabled")) is { } value
            && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1");
    }
}
