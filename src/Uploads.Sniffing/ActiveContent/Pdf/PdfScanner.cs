namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// What counts as active content in a PDF, and what is refused (docs/sniffing.md, "PDF"). The
/// <see cref="PdfObjectReader"/> reads the file as it streams and hands every value to <see cref="PdfAnalysis"/>
/// (actions, scripts, launches, embedded files, link addresses, each traced to what triggers it); streams with no
/// <c>/Type</c> or <c>/Subtype</c> are probed for an XFA form, and an XFA form is checked for <c>&lt;script&gt;</c>
/// (<see cref="XfaHasScript"/>, which reads the packet once); <see cref="PdfEnd"/> finds what is carried after the
/// end. The verdict: unverifiable when what matters could not be read (past the reader's bounds, an encrypted file's
/// held link addresses past theirs, an XFA form that cannot be decoded or is encrypted); refused when it cannot be
/// decrypted without a password, for what its end carries, or for active content not allowed.
/// </summary>
internal sealed class PdfScanner : ActiveContentScanner, IPdfObjectPolicy
{
    private static readonly System.Buffers.SearchValues<byte> NameEnds = System.Buffers.SearchValues.Create(" \t\r\n>/"u8);

    private readonly ActiveContentKinds _allowed;
    private readonly PdfAnalysis _analysis;
    private readonly PdfEnd _end;
    private readonly PdfObjectReader _reader;

    public PdfScanner(ActiveContentKinds allowed, WorkBudget budget)
        : base(budget)
    {
        _allowed = allowed;
        _analysis = new(budget);
        _end = new(budget);
        _reader = new(this, budget);
    }

    private protected override string MediaType => MediaTypes.Pdf;

    internal override void WriteCore(ReadOnlySpan<byte> data)
    {
        if (_reader.Unverifiable is not null || data.IsEmpty)
        {
            return;
        }

        if (Position + data.Length > MaxScanBytes)
        {
            _reader.Unverifiable = $"it is larger than {MaxScanBytes / 1024 / 1024} MiB";
            return;
        }

        _end.Write(data);
        _reader.Write(data);
    }

    internal override SniffOutcome.Detected CompleteCore()
    {
        if (_reader.Unverifiable is null)
        {
            _reader.Complete();
        }

        var encrypted = _reader.Unverifiable is null && _analysis.Encrypted ? DecryptHeld() : null;
        if (_reader.Unverifiable is null && _analysis.HasXfa && _reader.Undecodable is { } undecodable)
        {
            _reader.Unverifiable = undecodable;
        }

        if (_reader.Unverifiable is { } reason)
        {
            return ActiveContentVerdict.Unverifiable(MediaTypes.Pdf, "PDF", reason);
        }

        var findings = _analysis.Findings(_analysis.Encrypted ? _reader.DecryptString : null);
        if (encrypted is not null)
        {
            findings.Insert(0, new(ActiveContentKinds.PdfEncrypted, encrypted));
        }
        else if ((_analysis.Encrypted ? _reader.DamagedDecrypted : _reader.Damaged) is { } damaged)
        {
            return ActiveContentVerdict.Unverifiable(MediaTypes.Pdf, "PDF", damaged, findings);
        }

        return _end.Complete() is { } carried
            ? new(MediaTypes.Pdf, carried) { ActiveContent = findings }
            : ActiveContentVerdict.Decide(MediaTypes.Pdf, findings, _allowed);
    }

    /// <summary>Examines an object's value; past <see cref="PdfAnalysis.MaxEdges"/> action references, the file is unverifiable at once.</summary>
    void IPdfObjectPolicy.Examine(PdfValue value, long objectNumber, int generation)
    {
        _analysis.Examine(value, objectNumber, generation);
        if (_analysis.TooManyEdges)
        {
            _reader.Unverifiable ??= $"it has more than {PdfAnalysis.MaxEdges} action references";
        }
    }

    /// <summary>Streams that may be an XFA packet: no <c>/Type</c> or <c>/Subtype</c> (images, fonts, forms, metadata and files all have one).</summary>
    bool IPdfObjectPolicy.MayMatter(PdfValue dictionary) => !dictionary.Has("Subtype") && !dictionary.Has("Type") && !dictionary.Has("Length1");

    /// <summary>A probed stream's start that looks like an XFA packet.</summary>
    bool IPdfObjectPolicy.Matters(ReadOnlySpan<byte> start)
    {
        Budget.ChargeBytes(3L * start.Length);
        return start.IndexOf("xfa.org/schema"u8) >= 0 || start.IndexOf("<xdp:xdp"u8) >= 0 || start.IndexOf("<template"u8) >= 0;
    }

    /// <summary>An XFA packet: a finding when it runs scripts.</summary>
    void IPdfObjectPolicy.Content(ReadOnlySpan<byte> content)
    {
        if (XfaHasScript(content, Budget))
        {
            _analysis.Add(ActiveContentKinds.PdfFormScripts, "PDF's XFA form runs scripts (<script> in the XFA template)");
        }
    }

    /// <summary>
    /// At the end of an encrypted file: the reader decrypts and reads the object streams it held until the key was
    /// known; past the bounds on what is held or decrypted (the link addresses held to be decrypted among them), or
    /// with an XFA form (whose packets are not decrypted), the file is unverifiable. The
    /// <see cref="ActiveContentKinds.PdfEncrypted"/> refusal when the file cannot be decrypted, else null.
    /// </summary>
    private string? DecryptHeld()
    {
        var refusal = _reader.DecryptHeld(_analysis.TooManyUris ? $"it is encrypted and has more than {PdfAnalysis.MaxHeldUris} link addresses (/URI) in objects of their own" : null);
        if (refusal is null && _reader.Decrypting && _reader.Unverifiable is null && _analysis.HasXfa && _reader.ProbedStreamsUnread)
        {
            _reader.Unverifiable = "it is encrypted and has an XFA form, whose streams the checker does not decrypt";
        }

        return refusal;
    }

    /// <summary>
    /// True when the XFA packet has a <c>&lt;script&gt;</c> (any prefix) with a body: at each <c>&lt;</c>, the name up to
    /// the next white space, <c>&gt;</c> or <c>/</c>, less a prefix up to its first colon. One forward pass: the next
    /// colon, name end and <c>&lt;</c> are each searched from where the last search ended, so each byte is looked at
    /// a bounded number of times, however many <c>&lt;</c> there are.
    /// </summary>
    internal static bool XfaHasScript(ReadOnlySpan<byte> xml, WorkBudget budget)
    {
        var less = new NextIndex();
        var colon = new NextIndex();
        var nameEnd = new NextIndex();
        for (var from = 0; ;)
        {
            var at = less.Find(xml, from, static (s) => s.IndexOf((byte)'<'), budget);
            if (at < 0)
            {
                return false;
            }

            var start = at + 1;
            var end = nameEnd.Find(xml, start, static (s) => s.IndexOfAny(NameEnds), budget);
            if (end < 0)
            {
                return false;
            }

            var prefixEnd = colon.Find(xml, start, static (s) => s.IndexOf((byte)':'), budget);
            var nameStart = prefixEnd >= 0 && prefixEnd < end ? prefixEnd + 1 : start;
            if (xml[nameStart..end].SequenceEqual("script"u8) && xml[end] != '/')
            {
                // <script ...>code</script>: a script with a body (an empty element runs nothing).
                var close = xml[start..].IndexOf((byte)'>');
                budget.ChargeBytes(close < 0 ? xml.Length - start : close);
                return close > 0 && xml[start + close - 1] != '/';
            }

            from = start;
        }
    }

    /// <summary>
    /// The next index of something in a span at or after a position that never decreases: a search runs only past
    /// where the last one ended, so that all the searches together look at each byte once.
    /// </summary>
    private struct NextIndex
    {
        private int _hit;
        private int _searchedTo;
        private bool _started;

        /// <summary>The first index at or after <paramref name="from"/> where <paramref name="search"/> finds its target, or -1.</summary>
        public int Find(ReadOnlySpan<byte> span, int from, SpanSearch search, WorkBudget budget)
        {
            if (_started && (_hit >= from || (_hit < 0 && _searchedTo >= span.Length)))
            {
                return _hit;
            }

            _started = true;
            var start = Math.Max(from, _searchedTo);
            var at = search(span[start..]);
            budget.ChargeBytes(at < 0 ? span.Length - start : at + 1);
            _hit = at < 0 ? -1 : start + at;
            _searchedTo = at < 0 ? span.Length : start + at + 1;
            return _hit;
        }
    }

    private delegate int SpanSearch(ReadOnlySpan<byte> span);
}
