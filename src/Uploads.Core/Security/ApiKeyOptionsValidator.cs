using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;

namespace Uploads.Core.Security;

/// <summary>Start-up validation of the configured API clients: ids follow <see cref="ClientIdRule"/>, hashes are SHA-256 hex.</summary>
public sealed partial class ApiKeyOptionsValidator : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (clientId, hash) in options.Clients)
        {
            if (!ClientIdRule.IsValid(clientId))
            {
                failures.Add($"ApiKeys:Clients: client id \"{clientId}\" must be {ClientIdRule.Description}.");
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

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256HexPattern();
}
