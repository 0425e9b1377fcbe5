using System.Text;

namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// The rule for a link's <c>/URI</c> action (ISO 32000-2 §12.6.4.8): only web and mail addresses — the schemes
/// <c>http</c>, <c>https</c> and <c>mailto</c>, in any case — are accepted. The address is read as a viewer reads it:
/// the PDF string decoded (escapes and hex by <see cref="PdfParser"/>; a UTF-16BE, UTF-16LE or UTF-8 byte order mark;
/// else PDFDocEncoding, Latin-1 for what matters here), leading and trailing white space and C0 control characters
/// stripped, and tabs and line breaks removed anywhere (as WHATWG URL parsing does, so <c>java&#9;script:</c> is
/// <c>javascript:</c>). A <c>javascript:</c> or <c>vbscript:</c> address runs a script
/// (<see cref="ActiveContentKinds.PdfJavaScript"/>); any other scheme (<c>file:</c>, <c>data:</c>, <c>smb:</c>, a
/// drive letter), a network path (<c>\\host\share</c>, <c>//host</c>), an address without a scheme (a viewer may
/// resolve it as a local file) and an address in another object (<c>/URI 12 0 R</c>, not followed) reach outside the
/// document in ways a web link does not (<see cref="ActiveContentKinds.PdfExternalActions"/>).
/// </summary>
internal static class PdfUriActions
{
    private static readonly string Controls = new([.. Enumerable.Range(0, 33).Select(i => (char)i)]);

    /// <summary>An address in another object: not followed, refused.</summary>
    public static readonly ActiveContentFinding Indirect = new(ActiveContentKinds.PdfExternalActions, "PDF link's address is in another object (/URI n 0 R), which the checker does not follow");

    /// <summary>The finding for a link to <paramref name="uri"/> (the string's bytes, or their first ones: the scheme is at the start), or null for a web or mail address.</summary>
    public static ActiveContentFinding? Check(ReadOnlySpan<byte> uri)
    {
        var text = Normalize(Decode(uri));
        var scheme = Scheme(text);
        if (scheme is null)
        {
            if (text.StartsWith(@"\\", StringComparison.Ordinal) || text.StartsWith("//", StringComparison.Ordinal) || text.StartsWith(@"\/", StringComparison.Ordinal) || text.StartsWith(@"/\", StringComparison.Ordinal))
            {
                return new(ActiveContentKinds.PdfExternalActions, @"PDF link opens a network share (\\host\share), not a web or mail address (/URI)");
            }

            return new(ActiveContentKinds.PdfExternalActions, "PDF link opens an address without a scheme (http:, https: or mailto:), which a reader may open as a local file (/URI)");
        }

        return scheme switch
        {
            "http" or "https" or "mailto" => null,
            "javascript" or "vbscript" => new(ActiveContentKinds.PdfJavaScript, $"PDF link runs a script through a {scheme}: address (/URI)"),
            _ => new(ActiveContentKinds.PdfExternalActions, $"PDF link opens a {scheme}: address, not a web or mail address (/URI)"),
        };
    }

    /// <summary>The string as text: by its byte order mark, else Latin-1 (PDFDocEncoding agrees on ASCII).</summary>
    internal static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetString(bytes[2..(2 + ((bytes.Length - 2) & ~1))]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetString(bytes[2..(2 + ((bytes.Length - 2) & ~1))]);
        }

        return bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? Encoding.UTF8.GetString(bytes[3..]) : Encoding.Latin1.GetString(bytes);
    }

    /// <summary>Leading and trailing C0 controls and spaces stripped, tabs and line breaks removed (WHATWG URL parsing).</summary>
    internal static string Normalize(string text)
    {
        var trimmed = text.AsSpan().Trim(Controls);
        var builder = new StringBuilder(trimmed.Length);
        foreach (var c in trimmed)
        {
            if (c is not ('\t' or '\n' or '\r'))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>The scheme, lower case (RFC 3986: a letter, then letters, digits, <c>+ - .</c>, then a colon), or null.</summary>
    private static string? Scheme(string text)
    {
        if (text.Length == 0 || !char.IsAsciiLetter(text[0]))
        {
            return null;
        }

        for (var i = 1; i < text.Length && i <= 32; i++)
        {
            var c = text[i];
            if (c == ':')
            {
                return text[..i].ToLowerInvariant();
            }

            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return null;
            }
        }

        return null;
    }
}
