using System.Text;
using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.ActiveContent.Office;

/// <summary>
/// Parts a DOCX imports in another format (<c>altChunk</c>: relationship type <c>aFChunk</c>; docs/sniffing.md,
/// "Imported parts (altChunk)"), each checked by its content type as <c>[Content_Types].xml</c> declares it: HTML and
/// XHTML (<see cref="HtmlActiveContent"/>), web archives (MHT, <c>message/rfc822</c>: MIME decoded, each body part
/// by its own type), RTF (<see cref="RtfActiveContent"/>), plain text (nothing to find), a Word document (opened as an
/// embedded package by <see cref="DocxScanner"/>). Any other type is refused as one that cannot be checked.
/// </summary>
internal static class ImportedPartScanner
{
    /// <summary>MIME nesting followed in a web archive (multipart inside multipart).</summary>
    public const int MaxMimeDepth = 4;

    /// <summary>Body parts read from one web archive.</summary>
    public const int MaxMimeParts = 4096;

    public enum Format
    {
        None,
        Html,
        WebArchive,
        Rtf,
        PlainText,
        WordDocument,
    }

    /// <summary>The format of a part by its content type (<paramref name="type"/>, lower case), as Word reads an imported part.</summary>
    public static Format FormatOf(string? type) => type switch
    {
        "text/html" or "application/xhtml+xml" => Format.Html,
        "message/rfc822" or "multipart/related" => Format.WebArchive,
        "application/rtf" or "text/rtf" => Format.Rtf,
        "text/plain" => Format.PlainText,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml" => Format.WordDocument,
        _ => Format.None,
    };

    /// <summary>
    /// Checks an imported part of <paramref name="format"/> (not a Word document: the caller opens those):
    /// <paramref name="found"/> gets the first finding of each kind, <paramref name="instructions"/> field
    /// instructions for the DOCX field rules. Decoded web-archive bodies come out of <paramref name="allowance"/>.
    /// Null when checked; else why it cannot be.
    /// </summary>
    public static string? Check(Format format, byte[] content, ZipAllowance allowance, Dictionary<ActiveContentKinds, string> found, List<string> instructions)
    {
        var budget = allowance.Budget;
        switch (format)
        {
            case Format.Html:
                if (HtmlActiveContent.Decode(content, budget) is not { } html)
                {
                    return "is imported HTML in an encoding that cannot be checked (UTF-16 or UTF-32 without a byte order mark, or UTF-7)";
                }

                HtmlActiveContent.Find(html, contentIds: false, budget, found, instructions);
                return null;
            case Format.Rtf:
                return RtfActiveContent.Find(content, budget, found, instructions) is { } rtf ? $"is imported RTF that {rtf}" : null;
            case Format.PlainText:
                return null;
            case Format.WebArchive:
                budget.ChargeBytes(content.Length, WorkCost.DecodedByte);
                var text = Encoding.Latin1.GetString(content);
                var parts = 0;
                return Entity(text, 0, text.Length, depth: 0, allowance, found, instructions, ref parts) is { } mime ? $"is an imported web archive (MHT) that {mime}" : null;
            default:
                return "is an imported part of a type that cannot be checked";
        }
    }

    /// <summary>
    /// One MIME entity of a web archive, <paramref name="text"/>[<paramref name="start"/>..<paramref name="end"/>]
    /// (bytes as Latin-1 characters): its headers, then its body by type (multipart: each part in turn).
    /// </summary>
    private static string? Entity(string text, int start, int end, int depth, ZipAllowance allowance, Dictionary<ActiveContentKinds, string> found, List<string> instructions, ref int parts)
    {
        var budget = allowance.Budget;
        budget.Charge(WorkCost.Node);
        if (++parts > MaxMimeParts)
        {
            return $"holds more than {MaxMimeParts} parts";
        }

        var (headers, bodyStart) = Headers(text, start, end, budget);
        var contentType = headers.GetValueOrDefault("content-type") ?? string.Empty;
        var type = contentType.Split(';')[0].Trim().ToLowerInvariant();
        if (type.StartsWith("multipart/", StringComparison.Ordinal))
        {
            if (depth >= MaxMimeDepth)
            {
                return $"nests multipart bodies more than {MaxMimeDepth} deep";
            }

            if (Parameter(contentType, "boundary") is not { Length: > 0 } boundary)
            {
                return "has a multipart body without a boundary";
            }

            var delimiter = "--" + boundary;
            var at = text.IndexOf(delimiter, bodyStart, end - bodyStart, StringComparison.Ordinal);
            while (at >= 0)
            {
                var partStart = text.IndexOf('\n', at, end - at);
                if (partStart < 0 || text.AsSpan(at + delimiter.Length).StartsWith("--"))
                {
                    break;
                }

                var next = text.IndexOf("\n" + delimiter, partStart, end - partStart, StringComparison.Ordinal);
                var partEnd = next < 0 ? end : next + 1;
                if (Entity(text, partStart + 1, partEnd, depth + 1, allowance, found, instructions, ref parts) is { } problem)
                {
                    return problem;
                }

                at = next < 0 ? -1 : next + 1;
            }

            return null;
        }

        var encoding = (headers.GetValueOrDefault("content-transfer-encoding") ?? string.Empty).Trim().ToLowerInvariant();
        var body = text.AsSpan(bodyStart, end - bodyStart);
        if (!allowance.TryReserve(body.Length))
        {
            return $"decodes to more than the {Zip.MiB(allowance.InflatedLimit)} a file of its size may unpack in all";
        }

        budget.ChargeBytes(body.Length, WorkCost.DecodedByte);
        byte[] decoded;
        switch (encoding)
        {
            case "base64":
                if (!TryBase64(body, out decoded))
                {
                    return "has a base64 body that cannot be decoded";
                }

                break;
            case "quoted-printable":
                decoded = QuotedPrintable(body);
                break;
            default:
                decoded = Encoding.Latin1.GetBytes(body.ToString());
                break;
        }

        var where = headers.GetValueOrDefault("content-location") ?? headers.GetValueOrDefault("content-id") ?? type;
        if (type.Length == 0 || type is "text/html" or "application/xhtml+xml" or "text/xml" or "application/xml" or "image/svg+xml")
        {
            // No type (a body without MIME headers) is read as markup: whatever Word would make of it, its tags are checked.
            if (HtmlActiveContent.Decode(decoded, budget) is not { } html)
            {
                return $"holds markup in an encoding that cannot be checked ({Zip.Printable(where)})";
            }

            HtmlActiveContent.Find(html, contentIds: true, budget, found, instructions);
            return null;
        }

        if (type == "text/css")
        {
            HtmlActiveContent.Css(Encoding.Latin1.GetString(decoded), contentIds: true, "a stylesheet", budget, found);
            return null;
        }

        if (type is "text/plain" or "image/png" or "image/jpeg" or "image/jpg" or "image/gif" or "image/webp" or "image/bmp")
        {
            return null;
        }

        return $"holds a part of a type that cannot be checked ({Zip.Printable(type)}: {Zip.Printable(where)})";
    }

    /// <summary>The headers of a MIME entity (names lower case, folded lines joined), and where its body begins.</summary>
    private static (Dictionary<string, string> Headers, int BodyStart) Headers(string text, int start, int end, WorkBudget budget)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        string? last = null;
        var at = start;
        while (at < end)
        {
            budget.Charge(WorkCost.Node);
            var lineStart = at;
            var lineEnd = text.IndexOf('\n', at, end - at);
            var line = text.AsSpan(at, (lineEnd < 0 ? end : lineEnd) - at).TrimEnd('\r');
            at = lineEnd < 0 ? end : lineEnd + 1;
            if (line.IsEmpty)
            {
                return (headers, at);
            }

            if (line[0] is ' ' or '\t' && last is not null)
            {
                headers[last] += " " + line.Trim().ToString();
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                // Not a header: the body begins here (with no headers at all, the whole entity is body).
                return (headers, lineStart);
            }

            last = line[..colon].Trim().ToString().ToLowerInvariant();
            headers[last] = line[(colon + 1)..].Trim().ToString();
        }

        return (headers, end);
    }

    /// <summary>A parameter of a header value (<c>boundary="…"</c>), unquoted; null when absent.</summary>
    private static string? Parameter(string value, string name)
    {
        foreach (var piece in value.Split(';'))
        {
            var equals = piece.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && piece[..equals].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return piece[(equals + 1)..].Trim().Trim('"');
            }
        }

        return null;
    }

    private static bool TryBase64(ReadOnlySpan<char> body, out byte[] decoded)
    {
        var compact = new StringBuilder(body.Length);
        foreach (var c in body)
        {
            if (!char.IsWhiteSpace(c))
            {
                compact.Append(c);
            }
        }

        decoded = new byte[(compact.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(compact.ToString(), decoded, out var written))
        {
            return false;
        }

        decoded = decoded[..written];
        return true;
    }

    /// <summary>Quoted-printable (RFC 2045 §6.7): <c>=XX</c> is a byte, <c>=</c> at a line's end joins it to the next.</summary>
    private static byte[] QuotedPrintable(ReadOnlySpan<char> body)
    {
        var output = new List<byte>(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c != '=')
            {
                output.Add((byte)c);
                continue;
            }

            if (i + 2 < body.Length && char.IsAsciiHexDigit(body[i + 1]) && char.IsAsciiHexDigit(body[i + 2]))
            {
                output.Add(Convert.ToByte(body.Slice(i + 1, 2).ToString(), 16));
                i += 2;
            }
            else if (i + 1 < body.Length && body[i + 1] is '\r' or '\n')
            {
                i += body[i + 1] == '\r' && i + 2 < body.Length && body[i + 2] == '\n' ? 2 : 1;
            }
            else
            {
                output.Add((byte)c);
            }
        }

        return [.. output];
    }
}
