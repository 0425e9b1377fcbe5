using System.Text.RegularExpressions;

namespace Uploads.Core.Security;

/// <summary>
/// The one rule for API client ids. An id becomes part of an app-setting name (<c>ApiKeys__Clients__&lt;id&gt;</c>):
/// App Service on Linux allows only letters, digits, '.' and '_' there, '__' separates configuration sections, and
/// configuration keys ignore case. So: lower-case letters and digits, single underscores between them, at most
/// <see cref="MaxLength"/> characters. It also prefixes the client's blob paths. The scripts
/// (<c>scripts/add-api-client.*</c>) and the docs spell the same pattern; a test holds them to this one.
/// </summary>
public static partial class ClientIdRule
{
    public const string Pattern = "^[a-z0-9]+(_[a-z0-9]+)*$";

    public const int MaxLength = 63;

    public const string Description = "lower-case letters and digits with single underscores between them (e.g. acme or acme_corp), 1-63 characters";

    public static bool IsValid(string? clientId) => clientId is { Length: > 0 and <= MaxLength } && Compiled().IsMatch(clientId);

    [GeneratedRegex(Pattern)]
    private static partial Regex Compiled();
}
