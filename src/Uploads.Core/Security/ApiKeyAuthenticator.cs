using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;

namespace Uploads.Core.Security;

/// <summary>
/// Checks <c>X-API-Key</c> values against the configured SHA-256 hashes. The presented key is hashed once and
/// compared with every configured hash in constant time, so neither timing nor early exit reveals which client
/// (or how much of a hash) matched. Keys are never stored, logged or echoed.
/// </summary>
public sealed partial class ApiKeyAuthenticator
{
    public const string HeaderName = "X-API-Key";

    /// <summary>Longest key accepted before hashing; real keys are 47 characters.</summary>
    private const int MaxKeyLength = 256;

    private readonly (string ClientId, byte[] Hash)[] _clients;

    public ApiKeyAuthenticator(IOptions<ApiKeyOptions> options, ILogger<ApiKeyAuthenticator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (clientId, value) in options.Value.Clients.Where(c => ApiKeyOptions.IsUnresolvedKeyVaultReference(c.Value)))
        {
            Log.ClientDisabled(logger, clientId);
        }

        _clients = [.. options.Value.Clients
            .Where(c => !ApiKeyOptions.IsUnresolvedKeyVaultReference(c.Value))
            .Select(c => (c.Key, Convert.FromHexString(c.Value)))];
        if (_clients.Length == 0)
        {
            Log.NoClients(logger);
        }
    }

    /// <summary>The client whose key this is, or null for a missing, malformed or unknown key.</summary>
    public ApiClient? Authenticate(string? presentedKey)
    {
        if (string.IsNullOrEmpty(presentedKey) || presentedKey.Length > MaxKeyLength)
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey), hash);

        string? match = null;
        foreach (var (clientId, expected) in _clients)
        {
            // No early exit: every configured hash is compared.
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                match = clientId;
            }
        }

        return match is null ? null : new ApiClient(match);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "API client {ClientId} is disabled: its key hash is an unresolved Key Vault reference (check the secret and the app's access to the vault)")]
        public static partial void ClientDisabled(ILogger logger, string clientId);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "No API client is configured (ApiKeys__Clients__<clientId>): every request will be refused with 401")]
        public static partial void NoClients(ILogger logger);
    }
}
