using System.Security.Cryptography;

namespace Uploads.Core.Naming;

/// <summary>
/// Server-generated blob names: <c>{clientId}/{32 hex digits = 128 random bits}/{fileName}</c>.
/// The client prefix scopes every path to its owner; the random segment makes it unguessable and unique;
/// the original file name stays last so downloads keep it.
/// </summary>
public static class BlobPath
{
    private const int RandomBytes = 16;

    /// <summary>A new path for <paramref name="fileName"/> (which must already have passed <see cref="FileNameRules"/>).</summary>
    public static string Create(string clientId, string fileName)
    {
        Span<byte> random = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(random);
        return string.Concat(clientId, "/", Convert.ToHexStringLower(random), "/", fileName);
    }

    /// <summary>
    /// Parses a path this service issued and tells whether it belongs to <paramref name="clientId"/>.
    /// Anything else (other clients' paths, hand-made or malformed paths) is refused.
    /// </summary>
    public static bool IsOwnedBy(string? blobPath, string clientId, out string fileName)
    {
        fileName = string.Empty;
        if (string.IsNullOrEmpty(blobPath))
        {
            return false;
        }

        var parts = blobPath.Split('/');
        if (parts.Length != 3 || !string.Equals(parts[0], clientId, StringComparison.Ordinal)
            || parts[1].Length != RandomBytes * 2 || !parts[1].All(char.IsAsciiHexDigitLower)
            || !FileNameRules.Check(parts[2]).IsValid)
        {
            return false;
        }

        fileName = parts[2];
        return true;
    }
}
