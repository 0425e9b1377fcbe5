namespace Uploads.Core.Security;

/// <summary>
/// API clients: client id → lower-case hex SHA-256 of the client's key. Never the key itself.
/// In app settings: <c>ApiKeys__Clients__&lt;clientId&gt; = &lt;sha256-hex&gt;</c>.
/// </summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "ApiKeys";

    public Dictionary<string, string> Clients { get; init; } = new(StringComparer.Ordinal);
}
