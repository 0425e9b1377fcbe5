using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Uploads.Core.Contracts;
using Uploads.Policy;
using Uploads.Core.Verification;

namespace Uploads.Core.Uploads.Multipart;

/// <summary>
/// The <c>sha256</c> form field of a direct upload: the SHA-256 the client declares for its file, which the stream is
/// checked against as it arrives. It must come before the <c>file</c> part (the body is read once, in order: a value
/// that arrives after the file can no longer be what the file was received against), at most once.
/// </summary>
internal static class Sha256FormField
{
    /// <summary>Read at most this much of the field: a valid value has 44 characters; more is refused by its length.</summary>
    private const int MaxBytes = 256;

    /// <summary>True for a plain form field (not a file part) named <c>sha256</c>.</summary>
    public static bool Is(MultipartSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var disposition = section.GetContentDispositionHeader();
        return disposition is not null && disposition.IsFormDisposition() && !disposition.IsFileDisposition()
            && string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, Sha256Digest.FieldName, StringComparison.Ordinal);
    }

    /// <summary>The declared digest, or the problem (400) with a field after the file, a second one, or a malformed value.</summary>
    public static async Task<Outcome<byte[]>> ReadAsync(MultipartSection section, bool fileSeen, bool declaredAlready, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (fileSeen)
        {
            return Problems.InvalidField.With(
                $"The \"{Sha256Digest.FieldName}\" field came after the \"{MultipartFormReader.FileFieldName}\" part. Send it before the file (the file is checked against it as it streams): add the field to the form first, then the file.");
        }

        if (declaredAlready)
        {
            return Problems.InvalidField.With($"The body has more than one \"{Sha256Digest.FieldName}\" field. Send it once, before the file.");
        }

        var buffer = new byte[MaxBytes + 1];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await section.Body.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled += read;
        }

        // Longer than any valid value: the rest is not needed to refuse it, and TryParse names the problem by its length.
        var value = Encoding.UTF8.GetString(buffer, 0, filled).Trim();
        return Sha256Digest.TryParse(value, out var digest, out var problem) ? digest : problem!;
    }
}
