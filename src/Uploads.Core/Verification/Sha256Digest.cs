using System.Security.Cryptography;
using Uploads.Policy;

namespace Uploads.Core.Verification;

/// <summary>
/// The one owner of the end-to-end SHA-256's rules: how a client declares it (<c>sha256</c>, the standard base64 of
/// the 32 bytes, in the URL request or as a form field before the file part), how a malformed declaration is refused,
/// how it is written in tags, answers and events (the same base64), and the reason a file that does not match its
/// declaration is rejected with, on both upload paths.
/// </summary>
internal static class Sha256Digest
{
    /// <summary>The name of the field on both paths: the URL request's property and the direct upload's form field.</summary>
    public const string FieldName = "sha256";

    /// <summary>Length of a SHA-256 digest.</summary>
    public const int Bytes = 32;

    /// <summary>Length of its base64 text (with padding).</summary>
    public const int Base64Length = 44;

    /// <summary>How to make the value from a file, for the refusals: a command anyone can run.</summary>
    private const string HowTo = "for example: openssl dgst -sha256 -binary FILE | base64";

    /// <summary>
    /// Parses a declaration: exactly the standard base64 (with padding, no spaces) of 32 bytes, or the problem (400,
    /// <c>invalid_field</c>) that names the field and says what is wrong with it.
    /// </summary>
    public static bool TryParse(string? value, out byte[] digest, out UploadProblem? problem)
    {
        digest = [];
        problem = null;
        if (value is { Length: Base64Length })
        {
            var bytes = new byte[Bytes + 2];
            if (Convert.TryFromBase64String(value, bytes, out var written) && written == Bytes && Convert.ToBase64String(bytes.AsSpan(0, Bytes)) == value)
            {
                digest = bytes[..Bytes];
                return true;
            }
        }

        problem = Problems.InvalidField.With($"\"{FieldName}\" must be the base64 of the file's 32-byte SHA-256 digest ({Base64Length} characters ending in \"=\"), {HowTo}; {WhatIsWrong(value)}.");
        return false;
    }

    /// <summary>The text form of a digest: standard base64, as declared and as tags, answers and events carry it.</summary>
    public static string ToBase64(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != Bytes)
        {
            throw new ArgumentException($"A SHA-256 digest has {Bytes} bytes.", nameof(digest));
        }

        return Convert.ToBase64String(digest);
    }

    /// <summary>Whether a computed digest is the declared one (in constant time: the values are not secret, but it costs nothing).</summary>
    public static bool Matches(ReadOnlySpan<byte> computed, ReadOnlySpan<byte> declared) =>
        CryptographicOperations.FixedTimeEquals(computed, declared);

    /// <summary>Why a file that is not what its declaration says is rejected: both values, and what to do.</summary>
    public static string MismatchReason(ReadOnlySpan<byte> computed, ReadOnlySpan<byte> declared) =>
        $"The file's SHA-256 is {ToBase64(computed)}, but {ToBase64(declared)} was declared: the bytes received are not the file that was meant " +
        "(changed or cut short on the way, or another file). Upload the file again; if it is the right file, declare its own SHA-256 (" + HowTo + ").";

    /// <summary>The refusal of a direct upload whose content does not match its declaration (415, like every content refusal).</summary>
    public static UploadProblem Mismatch(ReadOnlySpan<byte> computed, ReadOnlySpan<byte> declared) =>
        Problems.Sha256Mismatch.With(MismatchReason(computed, declared));

    private static string WhatIsWrong(string? value) => value switch
    {
        null or "" => "it is empty",
        { Length: 64 } when value.All(char.IsAsciiHexDigit) => "this one is hexadecimal: send the same 32 bytes in base64",
        _ when value.Length > 2 * Base64Length => $"this one is {value.Length} characters long",
        _ when TryDecodedLength(value) is { } length => $"this one decodes to {length} bytes",
        _ => "this one is not base64 (standard alphabet, with padding)",
    };

    private static int? TryDecodedLength(string value)
    {
        var bytes = new byte[((value.Length / 4) + 1) * 3];
        return Convert.TryFromBase64String(value, bytes, out var written) && Convert.ToBase64String(bytes.AsSpan(0, written)) == value ? written : null;
    }
}
