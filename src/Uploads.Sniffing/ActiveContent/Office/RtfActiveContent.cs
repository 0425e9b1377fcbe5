using System.Text;

namespace Uploads.Sniffing.ActiveContent.Office;

/// <summary>
/// Embedded and linked objects, remote templates and field instructions in RTF that a DOCX imports (<c>altChunk</c>,
/// docs/sniffing.md, "Imported parts (altChunk)"). A tokenizer of control words (<c>\word</c> with its numeric
/// parameter), control symbols, <c>\'hh</c> and <c>\uN</c> escapes, <c>\binN</c> data and groups: every control word
/// beginning with <c>obj</c> (<c>\object</c>, <c>\objdata</c>, <c>\objemb</c>, <c>\objlink</c>, <c>\objautlink</c>,
/// <c>\objocx</c>, …: where RTF exploits live, CVE-2017-0199, CVE-2017-11882) is refused, linked ones as outside
/// content; the text of <c>\fldinst</c> groups goes to the DOCX field rules (INCLUDEPICTURE, INCLUDETEXT, DDE, DDEAUTO);
/// a <c>\template</c> naming an outside address is refused. One pass; every token charged.
/// </summary>
internal static class RtfActiveContent
{
    /// <summary>Groups open at once: deeper is refused (Word's own limit is far lower than any text needs to reach).</summary>
    public const int MaxDepth = 1024;

    private const int MaxCapturedChars = 4096;

    /// <summary>
    /// Adds to <paramref name="found"/> the first finding of each kind, to <paramref name="instructions"/> the text of
    /// each field instruction. Null when read; else why it cannot be checked.
    /// </summary>
    public static string? Find(ReadOnlySpan<byte> rtf, WorkBudget budget, Dictionary<ActiveContentKinds, string> found, List<string> instructions)
    {
        budget.ChargeBytes(rtf.Length);
        var depth = 0;

        // The group depth at which a destination whose text is kept (\fldinst, \template) began, and its text.
        var captureDepth = -1;
        var captureTemplate = false;
        var captured = new StringBuilder();
        var at = 0;
        while (at < rtf.Length)
        {
            var b = rtf[at];
            if (b == '{')
            {
                if (++depth > MaxDepth)
                {
                    return $"nests groups more than {MaxDepth} deep";
                }

                at++;
                continue;
            }

            if (b == '}')
            {
                if (depth == captureDepth)
                {
                    Captured();
                }

                depth = Math.Max(0, depth - 1);
                at++;
                continue;
            }

            if (b != '\\')
            {
                Keep((char)b);
                at++;
                continue;
            }

            budget.Charge(WorkCost.MarkupNode);
            at++;
            if (at >= rtf.Length)
            {
                break;
            }

            if (!char.IsAsciiLetter((char)rtf[at]))
            {
                // Control symbols: \'hh is a character; \\ \{ \} are literal; the rest stand alone.
                if (rtf[at] == '\'' && at + 2 < rtf.Length && IsHex(rtf[at + 1]) && IsHex(rtf[at + 2]))
                {
                    Keep((char)Convert.ToByte(Encoding.ASCII.GetString(rtf.Slice(at + 1, 2)), 16));
                    at += 3;
                    continue;
                }

                Keep((char)rtf[at]);
                at++;
                continue;
            }

            var start = at;
            while (at < rtf.Length && char.IsAsciiLetter((char)rtf[at]))
            {
                at++;
            }

            var word = Encoding.ASCII.GetString(rtf[start..at]).ToLowerInvariant();
            var parameterStart = at;
            if (at < rtf.Length && rtf[at] == '-')
            {
                at++;
            }

            while (at < rtf.Length && at - parameterStart < 11 && char.IsAsciiDigit((char)rtf[at]))
            {
                at++;
            }

            _ = long.TryParse(rtf[parameterStart..at], out var parameter);
            if (at < rtf.Length && rtf[at] == ' ')
            {
                at++;
            }

            if (word.StartsWith("obj", StringComparison.Ordinal))
            {
                if (word is "objlink" or "objautlink")
                {
                    found.TryAdd(ActiveContentKinds.OfficeExternalContent, $"a linked object (\\{word})");
                }
                else
                {
                    found.TryAdd(ActiveContentKinds.OfficeEmbeddedObjects, $"an embedded object (\\{word})");
                }
            }
            else if (word is "fldinst" or "template" && captureDepth < 0)
            {
                captureDepth = depth;
                captureTemplate = word == "template";
                captured.Clear();
            }
            else if (word == "bin")
            {
                // Binary data of the given length, not markup.
                at += (int)Math.Clamp(parameter, 0, rtf.Length - at);
            }
            else if (word == "u")
            {
                Keep((char)(ushort)(short)Math.Clamp(parameter, short.MinValue, ushort.MaxValue));
            }
        }

        if (captureDepth >= 0)
        {
            Captured();
        }

        return null;

        void Keep(char c)
        {
            if (captureDepth >= 0 && captured.Length < MaxCapturedChars && c is not '\r' and not '\n')
            {
                captured.Append(c);
            }
        }

        void Captured()
        {
            var text = captured.ToString();
            if (!captureTemplate)
            {
                instructions.Add(text);
            }
            else if (text.Contains("://", StringComparison.Ordinal) || text.Contains(@"\\", StringComparison.Ordinal) || text.Contains("file:", StringComparison.OrdinalIgnoreCase))
            {
                found.TryAdd(ActiveContentKinds.OfficeExternalContent, "a template from outside the document (\\template)");
            }

            captureDepth = -1;
        }
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);
}
