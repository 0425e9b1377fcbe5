using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Uploads.Core.Security;

/// <summary>
/// Checks <c>X-API-Key</c> values against the configured SHA-256 hashes. The presented key is hashed once and
/// compared with every configured hash in constant time, so neither timing nor early exit reveals which client
/// (or how much of a hash) matched. Keys are never stored, logged or echoed.
/// </summary>
public sealed class ApiKeyAuthenticator
{
    public const string HeaderName = "X-API-Key";

    /// <summary>Longest key accepted before hashing; real keys are 47 characters.</summary>
    private const int MaxKeyLength = 256;

    private readonly (string ClientId, byte[] Hash)[] _clients;

    public ApiKeyAuthenticator(IOptions<ApiKeyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clients = [.. options.Value.Clients.Select(c => (c.Key, Convert.FromHexString(c.Value)))];
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
}
