using System.Security.Cryptography;
using System.Text;

namespace Uploads.Core.Security;

/// <summary>A newly minted API key and the hash that goes into configuration.</summary>
/// <param name="Key">Give this to the client, once. It is not stored anywhere.</param>
/// <param name="Sha256Hex">Configure this as <c>ApiKeys__Clients__&lt;clientId&gt;</c>.</param>
public sealed record MintedApiKey(string Key, string Sha256Hex);

/// <summary>Mints API keys: <c>upk_</c> + 256 random bits in base64url (47 characters).</summary>
public static class ApiKeyMinter
{
    public static MintedApiKey Mint()
    {
        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        var key = "upk_" + Convert.ToBase64String(random).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return new MintedApiKey(key, HashOf(key));
    }

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes (the same as <c>printf %s KEY | sha256sum</c>).</summary>
    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
