using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Uploads.Core.Security;

/// <summary>Start-up validation of the configured API clients: ids fit a blob path segment, hashes are SHA-256 hex.</summary>
public sealed partial class ApiKeyOptionsValidator : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (clientId, hash) in options.Clients)
        {
            if (!ClientIdPattern().IsMatch(clientId))
            {
                failures.Add($"ApiKeys:Clients: client id \"{clientId}\" must be 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit.");
            }

            if (ApiKeyOptions.IsUnresolvedKeyVaultReference(hash))
            {
                continue;
            }

            if (hash is null || !Sha256HexPattern().IsMatch(hash))
            {
                failures.Add($"ApiKeys:Clients:{clientId} must be the SHA-256 of the key as 64 hexadecimal digits (never the key itself).");
            }
        }

        if (options.Clients.Values.Where(h => h is not null).GroupBy(h => h, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > 1))
        {
            failures.Add("ApiKeys:Clients: two clients have the same key hash; mint a key per client.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex ClientIdPattern();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256HexPattern();
}
