namespace Uploads.Core.Configuration;

/// <summary>
/// API clients: client id → lower-case hex SHA-256 of the client's key. Never the key itself.
/// In app settings: <c>ApiKeys__Clients__&lt;clientId&gt; = &lt;sha256-hex&gt;</c>.
/// </summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "ApiKeys";

    public Dictionary<string, string> Clients { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// True for a value that is still a Key Vault reference: App Service leaves the literal
    /// <c>@Microsoft.KeyVault(...)</c> in place when it cannot resolve one (secret missing, no access). Such a client
    /// is disabled and logged, rather than stopping the whole API for every other client.
    /// </summary>
    public static bool IsUnresolvedKeyVaultReference(string? value) =>
        value is not null && value.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase);
}
