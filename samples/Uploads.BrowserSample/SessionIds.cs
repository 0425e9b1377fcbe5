using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Uploads.BrowserSample;

/// <summary>
/// Session ids that only this server issues: 16 random bytes and their HMAC-SHA256 under the server's key, written
/// <c>ID.MAC</c> (base64url). A value the browser made up, altered, or one signed under another key does not verify,
/// so a session cannot be fixed from outside: the caller gets a fresh id instead.
/// </summary>
public sealed class SessionIds
{
    private const int IdBytes = 16;
    private const int MacBytes = 32;
    private readonly byte[] _key;

    public SessionIds(IOptions<SampleSessionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _key = options.Value.Key is null ? RandomNumberGenerator.GetBytes(32) : options.Value.DecodedKey()
            ?? throw new OptionsValidationException(SampleSessionOptions.Section, typeof(SampleSessionOptions), [SampleSessionOptions.KeyError]);
    }

    /// <summary>A new session: its id and the cookie value that carries it.</summary>
    public (string Id, string CookieValue) Issue()
    {
        var id = RandomNumberGenerator.GetBytes(IdBytes);
        var text = Base64Url.EncodeToString(id);
        return (text, text + "." + Base64Url.EncodeToString(Mac(id)));
    }

    /// <summary>The session id a cookie value carries when this server issued it under its key; otherwise null.</summary>
    public string? Verify(string? cookieValue)
    {
        if (cookieValue is null || cookieValue.Split('.') is not [var idText, var macText])
        {
            return null;
        }

        if (!Base64Url.IsValid(idText, out var idLength) || idLength != IdBytes || !Base64Url.IsValid(macText, out var macLength) || macLength != MacBytes)
        {
            return null;
        }

        var id = Base64Url.DecodeFromChars(idText);
        var mac = Base64Url.DecodeFromChars(macText);

        // The id's text must be the one encoding Issue writes, so that one id has one spelling.
        var canonical = Base64Url.EncodeToString(id);
        return canonical == idText && CryptographicOperations.FixedTimeEquals(Mac(id), mac) ? canonical : null;
    }

    private byte[] Mac(ReadOnlySpan<byte> id) => HMACSHA256.HashData(_key, id);
}
