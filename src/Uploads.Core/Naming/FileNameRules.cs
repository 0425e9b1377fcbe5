using System.Buffers;
using System.Globalization;
using System.Text;

namespace Uploads.Core.Naming;

/// <summary>
/// Decides whether a client-supplied file name is a plain name that is safe to keep as the last segment of a blob
/// name and to hand back to browsers and file systems later. Conservative on purpose: the guide asks clients for
/// "a plain filename without path traversal or unusual characters".
/// </summary>
internal static class FileNameRules
{
    /// <summary>Longest accepted name, in UTF-16 code units (well inside the 1,024-character blob name limit).</summary>
    public const int MaxLength = 200;

    // Characters Windows forbids in names, plus the path separators: '/' and '\'.
    private static readonly SearchValues<char> Forbidden = SearchValues.Create("/\\:*?\"<>|");

    // Windows device names, reserved with any extension ("con.txt" too), including the superscript-digit forms.
    private static readonly HashSet<string> ReservedDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
    };

    public static FileNameCheck Check(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName) || string.IsNullOrWhiteSpace(fileName))
        {
            return new("The filename is empty. Send the file's plain name, for example \"report.pdf\".");
        }

        if (fileName.Length > MaxLength)
        {
            return new($"The filename is {fileName.Length} characters long; at most {MaxLength} are accepted.");
        }

        if (fileName.AsSpan().IndexOfAny(Forbidden) >= 0)
        {
            return new("The filename contains a path separator or one of the characters : * ? \" < > |. Send only the file's own name, without any folder.");
        }

        if (fileName.Contains("..", StringComparison.Ordinal))
        {
            return new("The filename contains \"..\". Send a plain name without path traversal.");
        }

        var rest = fileName.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != OperationStatus.Done)
            {
                return new("The filename is not valid Unicode (a lone surrogate). Send the name as UTF-8 text.");
            }

            if (rune.Value == 0xFFFD)
            {
                // U+FFFD is what a decoder puts where bytes were not valid UTF-8 (multipart headers, filename*).
                return new("The filename is not valid UTF-8 (it decodes to U+FFFD REPLACEMENT CHARACTER). Send the name as UTF-8 text.");
            }

            if (IsUnsafe(rune) || InvisibleCharacters.IsInvisible(rune))
            {
                return new($"The filename contains the invisible or control character U+{rune.Value:X4}. Remove control, formatting, bidirectional, filler and blank characters.");
            }

            rest = rest[consumed..];
        }

        if (!fileName.IsNormalized(NormalizationForm.FormC))
        {
            return new("The filename is not in Unicode normalization form C. Send the name normalized (NFC), as most systems store it.");
        }

        if (fileName[0] == '.' || fileName[0] == ' ' || fileName[^1] == '.' || fileName[^1] == ' ')
        {
            return new("The filename starts or ends with a dot or a space. Send a plain name such as \"report.pdf\".");
        }

        var stem = fileName.Split('.')[0].TrimEnd();
        if (ReservedDeviceNames.Contains(stem))
        {
            return new($"\"{stem}\" is a reserved device name on Windows. Rename the file.");
        }

        return FileNameCheck.Valid;
    }

    private static bool IsUnsafe(Rune rune)
    {
        var category = Rune.GetUnicodeCategory(rune);
        return category is UnicodeCategory.Control // C0, DEL, C1
            or UnicodeCategory.Format               // bidi controls (U+202A–202E, U+2066–2069, U+200E/F, U+061C), zero-width, BOM
            or UnicodeCategory.Surrogate            // a lone surrogate
            or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator;
    }
}
