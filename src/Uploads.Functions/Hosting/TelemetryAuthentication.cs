using Azure.Core;
using Azure.Identity;

namespace Uploads.Functions.Hosting;

/// <summary>
/// Entra ID authentication of the worker's Application Insights telemetry. The template turns local
/// (instrumentation-key) auth off and sets <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> to
/// <c>ClientId=&lt;user-assigned identity&gt;;Authorization=AAD</c>; the host reads it for its own telemetry, but the
/// worker's SDK must be given the credential itself, or its telemetry is refused.
/// </summary>
internal static class TelemetryAuthentication
{
    public const string Setting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>The credential the setting asks for, or null when it asks for none (local runs).</summary>
    public static TokenCredential? FromSetting(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var parts = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var authorization) || !authorization.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out var clientId) && !string.IsNullOrWhiteSpace(clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
