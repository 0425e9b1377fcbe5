namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// Reads a whole PDF, front to back, as it streams, and hands what it finds to its policy
/// (<see cref="IPdfObjectPolicy"/>: the <see cref="PdfScanner"/>). Every indirect object header
/// (<c>n g obj</c>) anywhere in the file is found and its value parsed, whatever the cross-reference tables say:
/// objects of every incremental update, objects the xref hides in another stream's data, and objects outside the
/// first and last kilobytes all count, and a damaged or lying xref (classic table or stream) changes nothing.
/// <c>trailer</c> dictionaries are parsed too; an encrypted file that opens without a password is decrypted
/// (<see cref="PdfDecryption"/>, <see cref="PdfSecurityHandler"/>). Object streams (<c>/Type /ObjStm</c>, FlateDecode)
/// are decompressed, bounded, and their objects parsed the same way. Streams the policy may want (an XFA form) are
/// inflated just enough for it to tell, and decoded whole when it does.
/// Memory is bounded by the largest object or stream it must hold (<see cref="MaxObjectBytes"/>,
/// <see cref="MaxStreamBytes"/>), not by the file; what it cannot read makes the file unverifiable
/// (<see cref="Unverifiable"/>) or damaged (<see cref="Damaged"/>).
/// <para>
/// Work is linear in the file and charged to the check's <see cref="WorkBudget"/> in every loop: each byte is searched
/// once for <c>obj</c>, <c>trailer</c> and <c>endstream</c>; an object that needs more bytes is parsed again only when
/// twice as many are held; an object stream's header must list increasing offsets and each object is parsed within
/// its own slice; a decoded stream never starts inside the data of one decoded before (so that no byte is decoded
/// twice).
/// </para>
/// </summary>
internal sealed class PdfObjectReader(IPdfObjectPolicy policy, WorkBudget budget)
{
    public const int MaxObjectBytes = 4 * 1024 * 1024;
    public const int MaxStreamBytes = 16 * 1024 * 1024;
    public const int MaxInflatedStreamBytes = 64 * 1024 * 1024;
    public const long MaxInflatedTotalBytes = 256L * 1024 * 1024;
    public const int MaxInflateRatio = 100;
    public const int MaxObjectStreamObjects = 100_000;
    private const int XfaProbeBytes = 16 * 1024;
    private const int HeaderLookBack = 40;

    private readonly PdfDecryption _decryption = new(budget);
    private byte[] _buffer = [];
    private long _bufferOffset;
    private int _count;
    private long _scanPosition;
    private long _retryAt;
    private long _objHit = -1;
    private long _objSearched;
    private long _trailerHit = -1;
    private long _trailerSearched;
    private long _endstreamHit = -1;
    private long _endstreamSearched;
    private long _decodedEnd;
    private long _decodedStream = -1;
    private long _examinedHit = -1;
    private long _inflatedTotal;

    /// <summary>Why the file cannot be checked (set by the reader, or by the policy through it); null while it can be.</summary>
    public string? Unverifiable { get; set; }

    /// <summary>Why a stream that matters cannot be decompressed, read before the file's key was known (or with none).</summary>
    public string? Damaged { get; private set; }

    /// <summary>Why a stream that matters cannot be decompressed, read with the file's key.</summary>
    public string? DamagedDecrypted { get; private set; }

    /// <summary>A probed stream uses an encoding the reader does not read (it matters only when the file has an XFA form).</summary>
    public string? Undecodable { get; private set; }

    /// <summary>The file is encrypted and its key is known.</summary>
    public bool Decrypting => _decryption.Handler is not null;

    /// <summary>A stream the policy would probe was left unread because it is encrypted.</summary>
    public bool ProbedStreamsUnread => _decryption.XfaCandidatesUnread;

    private WorkBudget Budget { get; } = budget;

    /// <summary>The next bytes of the file, in order: parsed as far as they allow.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        Append(data);
        if (End >= _retryAt)
        {
            Process(final: false);
        }
    }

    /// <summary>The file has ended: parses what waited for more bytes.</summary>
    public void Complete() => Process(final: true);

    private long End => _bufferOffset + _count;

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_count + data.Length > _buffer.Length)
        {
            Compact();
            if (_count + data.Length > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_count + data.Length, Math.Min(2 * _buffer.Length, _count + data.Length + ActiveContentScanner.ChunkBytes)));
            }
        }

        Budget.ChargeBytes(data.Length);
        data.CopyTo(_buffer.AsSpan(_count));
        _count += data.Length;
    }

    /// <summary>Drops the bytes no pending parse can need (all before the scan position, less a header's look-back).</summary>
    private void Compact()
    {
        var keepFrom = Math.Max(_bufferOffset, _scanPosition - HeaderLookBack);
        var drop = (int)Math.Min(keepFrom - _bufferOffset, _count);
        if (drop <= 0)
        {
            return;
        }

        Budget.ChargeBytes(_count - drop);
        Buffer.BlockCopy(_buffer, drop, _buffer, 0, _count - drop);
        _count -= drop;
        _bufferOffset += drop;
    }

    private void Process(bool final)
    {
        while (Unverifiable is null)
        {
            var objHit = NextHit("obj"u8, ref _objHit, ref _objSearched);
            var trailerHit = NextHit("trailer"u8, ref _trailerHit, ref _trailerSearched);
            if (objHit < 0 && trailerHit < 0)
            {
                _scanPosition = Math.Max(_scanPosition, End - 8);
                return;
            }

            var waiting = trailerHit >= 0 && (objHit < 0 || trailerHit < objHit)
                ? !Trailer(trailerHit, final)
                : !Object(objHit, final);
            if (waiting)
            {
                return;
            }
        }
    }

    /// <summary>The next occurrence of <paramref name="pattern"/> at or after the scan position (file offset), or -1; searches each byte once.</summary>
    private long NextHit(ReadOnlySpan<byte> pattern, ref long hit, ref long searched)
    {
        if (hit >= _scanPosition)
        {
            return hit;
        }

        var from = Math.Max(_scanPosition, searched);
        if (from >= End)
        {
            return -1;
        }

        var at = _buffer.AsSpan((int)(from - _bufferOffset), (int)(End - from)).IndexOf(pattern);
        Budget.ChargeBytes(at >= 0 ? at + pattern.Length : End - from);
        if (at >= 0)
        {
            hit = from + at;
            return hit;
        }

        hit = -1;
        searched = Math.Max(from, End - pattern.Length + 1);
        return -1;
    }

    /// <summary>
    /// The first <c>endstream</c> at or after <paramref name="from"/> (file offsets, <paramref name="from"/> never
    /// decreasing from one stream to the next) that starts before <paramref name="until"/>, or -1; searches each byte once.
    /// </summary>
    private long NextEndstream(long from, long until)
    {
        if (_endstreamHit >= from)
        {
            return _endstreamHit < until ? _endstreamHit : -1;
        }

        var start = Math.Max(from, _endstreamSearched);
        var length = (int)(Math.Min(until + 8, End) - start);
        if (length < 9)
        {
            return -1;
        }

        var at = _buffer.AsSpan(Relative(start), length).IndexOf("endstream"u8);
        Budget.ChargeBytes(at >= 0 ? at + 9 : length);
        if (at >= 0)
        {
            _endstreamHit = start + at;
            return _endstreamHit < until ? _endstreamHit : -1;
        }

        _endstreamSearched = start + length - 8;
        return -1;
    }

    private ReadOnlySpan<byte> Data => _buffer.AsSpan(0, _count);

    private int Relative(long offset) => (int)(offset - _bufferOffset);

    /// <summary>False when the parse must wait for more bytes.</summary>
    private bool Trailer(long hit, bool final)
    {
        var start = Relative(hit) + 7;
        if (start < _count && PdfParser.IsRegular(Data[start]))
        {
            _scanPosition = hit + 7;
            return true;
        }

        var parser = new PdfParser(Data, start, Budget);
        var value = parser.ParseValue();
        if (parser.HitEnd && !final)
        {
            return Wait(hit);
        }

        if (value is { Kind: PdfKind.Dictionary })
        {
            policy.Examine(value, -1, -1);
            _decryption.Observe(value, -1, isStream: false);
        }

        _scanPosition = Math.Max(hit + 7, _bufferOffset + parser.Position);
        return true;
    }

    private bool Object(long hit, bool final)
    {
        var at = Relative(hit);
        if (!TryHeader(at, out var objectNumber, out var generation) || (at + 3 < _count && PdfParser.IsRegular(Data[at + 3])))
        {
            _scanPosition = hit + 3;
            return true;
        }

        if (at + 3 >= _count && !final)
        {
            return Wait(hit);
        }

        var parser = new PdfParser(Data, at + 3, Budget);
        var value = parser.ParseValue();
        var keyword = value is null ? null : parser.PeekKeyword();
        if (parser.HitEnd && !final)
        {
            return Wait(hit);
        }

        if (parser.TooDeep)
        {
            Unverifiable = $"object {objectNumber} nests deeper than {PdfParser.MaxDepth} levels";
            return true;
        }

        if (value is not null && hit != _examinedHit)
        {
            // A stream's dictionary is examined once, not again when its data makes it wait for more bytes.
            _examinedHit = hit;
            policy.Examine(value, objectNumber, generation);
            _decryption.Observe(value, objectNumber, isStream: keyword == "stream");
        }

        if (keyword == "stream" && value is { Kind: PdfKind.Dictionary })
        {
            parser.Skip(6);
            var dataStart = parser.Position;
            if (dataStart < _count && Data[dataStart] == '\r')
            {
                dataStart++;
            }

            if (dataStart < _count && Data[dataStart] == '\n')
            {
                dataStart++;
            }

            if (!Stream(value, objectNumber, generation, hit, dataStart, final))
            {
                return false;
            }

            // The stream's data is searched too: a reader that follows the xref finds objects placed inside it.
            _scanPosition = _bufferOffset + dataStart;
            return true;
        }

        _scanPosition = Math.Max(hit + 3, _bufferOffset + parser.Position);
        return true;
    }

    /// <summary>
    /// At the end of an encrypted file: decrypts the object streams held until the key was known and hands their
    /// objects to the policy; past the bounds on what is held or decrypted (<paramref name="policyBound"/>: the
    /// policy's own, checked after the count of object streams), the file is unverifiable. The
    /// <see cref="ActiveContentKinds.PdfEncrypted"/> refusal when the file cannot be decrypted (a user password,
    /// another handler, a malformed dictionary), else null.
    /// </summary>
    public string? DecryptHeld(string? policyBound)
    {
        var refusal = _decryption.Refusal();
        if (refusal is not null || _decryption.Handler is not { } handler)
        {
            return refusal;
        }

        if (_decryption.TooManyObjectStreams)
        {
            Unverifiable = $"it is encrypted and has more than {PdfDecryption.MaxObjectStreams} object streams";
            return null;
        }

        if (policyBound is not null)
        {
            Unverifiable = policyBound;
            return null;
        }

        if (_decryption.HeldOverflow)
        {
            Unverifiable = $"it is encrypted, and its object streams before its encryption dictionary hold more than {PdfDecryption.MaxHeldBytes / 1024 / 1024} MiB";
            return null;
        }

        foreach (var held in _decryption.Held)
        {
            var filters = Filters(held.Dictionary, out var earlyChange, out _, out _) ?? [];
            var plain = handler.Decrypt(held.Data, held.ObjectNumber, held.Generation, handler.StreamCipher(held.Dictionary, held.CryptFilter));
            var content = Decode(plain, filters, earlyChange, MaxInflatedStreamBytes, probe: false);
            if (Unverifiable is not null)
            {
                return null;
            }

            if (content.Array is null)
            {
                DamagedDecrypted ??= $"stream {held.ObjectNumber} cannot be decompressed";
                continue;
            }

            ObjectStream(held.Dictionary, held.ObjectNumber, content);
            if (Unverifiable is not null)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>A string of an encrypted file (a link address), decrypted (null when the file cannot be).</summary>
    public byte[]? DecryptString(byte[] raw, long objectNumber, int generation) =>
        _decryption.Handler is { } handler ? handler.Decrypt(raw, objectNumber, generation, handler.Strings) : null;

    /// <summary>An object stream's data as the filters read it: decrypted with <paramref name="cipher"/> once the key is known, else as it is.</summary>
    private ArraySegment<byte> Decrypted(ArraySegment<byte> data, long objectNumber, int generation, PdfSecurityHandler.Cipher cipher) =>
        _decryption.Handler is { } handler && cipher != PdfSecurityHandler.Cipher.Identity ? handler.Decrypt(data, objectNumber, generation, cipher) : data;

    /// <summary>A stream's data cannot be decompressed: unverifiable at the end unless the file is encrypted and it was read before the key (then it was read encrypted).</summary>
    private void NoteDamaged(string reason)
    {
        if (_decryption.Handler is null)
        {
            Damaged ??= reason;
        }
        else
        {
            DamagedDecrypted ??= reason;
        }
    }

    /// <summary><c>n g</c> before <c>obj</c> at <paramref name="at"/>: the generation, white space, the object number, and a token boundary (the bytes looked at charged).</summary>
    private bool TryHeader(int at, out long objectNumber, out int generation)
    {
        objectNumber = -1;
        generation = 0;
        var data = Data;
        var i = at - 1;
        while (i >= 0 && PdfParser.IsWhiteSpace(data[i]) && at - i < HeaderLookBack / 2)
        {
            i--;
        }

        var genEnd = i;
        var genScale = 1;
        while (i >= 0 && char.IsAsciiDigit((char)data[i]) && genEnd - i < 6)
        {
            generation += (data[i] - '0') * genScale;
            genScale *= 10;
            i--;
        }

        if (i == genEnd || i < 0 || !PdfParser.IsWhiteSpace(data[i]))
        {
            Budget.ChargeBytes(at - i);
            return false;
        }

        while (i >= 0 && PdfParser.IsWhiteSpace(data[i]) && at - i < HeaderLookBack)
        {
            i--;
        }

        var numberEnd = i;
        long value = 0;
        long scale = 1;
        while (i >= 0 && char.IsAsciiDigit((char)data[i]) && numberEnd - i < 10)
        {
            value += (data[i] - '0') * scale;
            scale *= 10;
            i--;
        }

        Budget.ChargeBytes(at - i);
        if (i == numberEnd || (i >= 0 && PdfParser.IsRegular(data[i])))
        {
            return false;
        }

        objectNumber = value;
        return true;
    }

    /// <summary>
    /// Waits for more bytes before parsing what starts at <paramref name="start"/> again: until <paramref name="needEnd"/>,
    /// or until twice as many bytes are pending (at least 64 KiB more), so that the parses of one object add up to
    /// at most about twice its final size, each charged as it runs.
    /// </summary>
    private bool Wait(long start, long? needEnd = null)
    {
        var pending = End - start;
        if (pending > MaxObjectBytes + MaxStreamBytes)
        {
            Unverifiable = "an object or stream is too large to check";
            return true;
        }

        _scanPosition = Math.Min(_scanPosition, start);
        _retryAt = needEnd ?? (End + Math.Max(64 * 1024, pending));
        return false;
    }

    /// <summary>Decompresses the streams whose content matters (object streams; those the policy probes: possible XFA forms). False: wait for more bytes.</summary>
    private bool Stream(PdfValue dictionary, long objectNumber, int generation, long hit, int dataStart, bool final)
    {
        var isObjectStream = dictionary.NameIs("Type", "ObjStm");
        if (!isObjectStream && !policy.MayMatter(dictionary))
        {
            return true;
        }

        var fileDataStart = _bufferOffset + dataStart;
        if (fileDataStart < _decodedEnd)
        {
            // Streams nested in the data of one already decoded would each be decoded again to the common end.
            Unverifiable = $"stream {objectNumber} starts inside the data of stream {_decodedStream}, which was decoded already";
            return true;
        }

        var filters = Filters(dictionary, out var earlyChange, out var cryptFilter, out var unsupported);
        if (filters is null)
        {
            if (isObjectStream)
            {
                Unverifiable = $"object stream {objectNumber} uses an encoding the checker does not read ({unsupported})";
            }
            else
            {
                // Could be an XFA packet the checker cannot read: decided at the end, if the file has an XFA form.
                Undecodable ??= $"stream {objectNumber} may hold its XFA form, and its encoding ({unsupported}) is not one the checker reads";
            }

            return true;
        }

        var cipher = _decryption.Handler?.StreamCipher(dictionary, cryptFilter) ?? PdfSecurityHandler.Cipher.Identity;
        var available = _count - dataStart;
        if (!isObjectStream)
        {
            // Before the key an encrypted XFA packet reads as noise, and after it XFA packets are not decrypted (each
            // stream would cost a cipher set-up): an encrypted file with an XFA form is unverifiable (DecryptHeld).
            _decryption.XfaCandidatesUnread |= _decryption.Handler is null || cipher != PdfSecurityHandler.Cipher.Identity;
            if (cipher != PdfSecurityHandler.Cipher.Identity)
            {
                return true;
            }

            // Enough of a stream to tell whether it is an XFA packet: its start, up to its endstream.
            var probe = (int)Math.Min(XfaProbeBytes, dictionary.Get("Length") is { Kind: PdfKind.Integer, Number: > 0 and var l } ? l : XfaProbeBytes);
            if (available < probe && !final)
            {
                return Wait(hit, fileDataStart + probe);
            }

            var window = Math.Min(available, probe);
            var endstream = NextEndstream(fileDataStart, fileDataStart + window);
            if (endstream >= 0)
            {
                window = (int)(endstream - fileDataStart);
            }

            var text = Decode(new(_buffer, dataStart, window), filters, earlyChange, 4096, probe: true);
            if (text.Array is null || !policy.Matters(text))
            {
                Decoded(objectNumber, fileDataStart + window);
                return true;
            }
        }

        if (!TryStreamEnd(dictionary, dataStart, final, out var length, out var waitFor))
        {
            if (Unverifiable is null && available > MaxStreamBytes)
            {
                Unverifiable = $"stream {objectNumber} is larger than {MaxStreamBytes / 1024 / 1024} MiB";
                return true;
            }

            return Unverifiable is not null || Wait(hit, waitFor);
        }

        if (length > MaxStreamBytes)
        {
            Unverifiable = $"stream {objectNumber} is larger than {MaxStreamBytes / 1024 / 1024} MiB";
            return true;
        }

        Decoded(objectNumber, fileDataStart + length);
        var data = new ArraySegment<byte>(_buffer, dataStart, length);
        if (isObjectStream && !_decryption.CountObjectStream() && _decryption.Handler is not null)
        {
            Unverifiable = $"it is encrypted and has more than {PdfDecryption.MaxObjectStreams} object streams";
            return true;
        }

        if (isObjectStream && _decryption.Handler is null)
        {
            // Read as it is now; decrypted at the end if the file turns out encrypted (it may be: its key comes later).
            _decryption.Hold(dictionary, objectNumber, generation, cryptFilter, data);
        }

        var content = Decode(Decrypted(data, objectNumber, generation, cipher), filters, earlyChange, MaxInflatedStreamBytes, probe: false);
        if (content.Array is null)
        {
            NoteDamaged($"stream {objectNumber} cannot be decompressed");
            return true;
        }

        if (isObjectStream)
        {
            ObjectStream(dictionary, objectNumber, content);
        }
        else
        {
            policy.Content(content);
        }

        return true;
    }

    /// <summary>Stream <paramref name="objectNumber"/>'s data, up to <paramref name="end"/>, has been decoded (probed): no later stream may start inside it.</summary>
    private void Decoded(long objectNumber, long end)
    {
        _decodedEnd = Math.Max(_decodedEnd, end);
        _decodedStream = objectNumber;
    }

    /// <summary>The stream's data length from a direct <c>/Length</c> that ends at <c>endstream</c>, else up to the next <c>endstream</c>.</summary>
    private bool TryStreamEnd(PdfValue dictionary, int dataStart, bool final, out int length, out long? waitFor)
    {
        length = 0;
        waitFor = null;
        var data = Data;
        if (dictionary.Get("Length") is { Kind: PdfKind.Integer, Number: >= 0 and <= MaxStreamBytes } declared)
        {
            var end = dataStart + declared.Number;
            if (end + 11 > _count && !final)
            {
                waitFor = _bufferOffset + end + 11;
                return false;
            }

            var after = (int)Math.Min(end, _count);
            while (after < _count && after < end + 2 && PdfParser.IsWhiteSpace(data[after]))
            {
                after++;
            }

            if (end <= _count && data[after..].StartsWith("endstream"u8))
            {
                length = (int)declared.Number;
                return true;
            }
        }

        var search = data[dataStart..];
        var endstream = NextEndstream(_bufferOffset + dataStart, End);
        var at = (int)(endstream - (_bufferOffset + dataStart));
        if (endstream < 0)
        {
            if (!final)
            {
                return false;
            }

            at = search.Length;
        }

        while (at > 0 && search[at - 1] is (byte)'\r' or (byte)'\n')
        {
            at--;
        }

        length = at;
        return true;
    }

    /// <summary>
    /// The objects of an object stream: the header's <c>/N</c> pairs (number, offset from <c>/First</c>) must list
    /// strictly increasing offsets, and each object is parsed within its own slice (up to the next offset), so that no
    /// byte is parsed twice; repeated or decreasing offsets make the stream malformed (unverifiable).
    /// </summary>
    private void ObjectStream(PdfValue dictionary, long streamNumber, ArraySegment<byte> segment)
    {
        var content = segment.AsSpan();
        var count = dictionary.Get("N") is { Kind: PdfKind.Integer, Number: >= 0 } n ? n.Number : 0;
        var first = dictionary.Get("First") is { Kind: PdfKind.Integer, Number: >= 0 } f ? f.Number : 0;
        if (count > MaxObjectStreamObjects || first > content.Length)
        {
            Unverifiable = $"object stream {streamNumber} declares {count} objects";
            return;
        }

        var numbers = new List<long>();
        var offsets = new List<long>();
        var header = new PdfParser(content[..(int)first], 0, Budget);
        for (var i = 0; i < count; i++)
        {
            var number = header.ParseValue();
            var offset = header.ParseValue();
            if (number is not { Kind: PdfKind.Integer } || offset is not { Kind: PdfKind.Integer, Number: >= 0 })
            {
                break;
            }

            if (offsets.Count > 0 && offset.Number <= offsets[^1])
            {
                Unverifiable = $"object stream {streamNumber} is malformed: its header gives object {number.Number} offset {offset.Number}, not after the offset {offsets[^1]} of the object before";
                return;
            }

            numbers.Add(number.Number);
            offsets.Add(offset.Number);
        }

        for (var i = 0; i < offsets.Count; i++)
        {
            var at = first + offsets[i];
            if (at >= content.Length)
            {
                break;
            }

            var end = i + 1 < offsets.Count ? Math.Min(first + offsets[i + 1], content.Length) : content.Length;
            var parser = new PdfParser(content[..(int)end], (int)at, Budget);
            var value = parser.ParseValue();
            if (parser.TooDeep)
            {
                Unverifiable = $"object {numbers[i]} nests deeper than {PdfParser.MaxDepth} levels";
                return;
            }

            if (value is not null)
            {
                policy.Examine(value, numbers[i], -1);
                if (Unverifiable is not null)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The filters to apply, in order (empty for none), when the checker decodes them all (<see cref="PdfFilters"/>)
    /// and no predictor is set; else null, with the first one it does not read in <paramref name="unsupported"/>.
    /// A first <c>/Crypt</c> filter is the stream's own crypt filter (<paramref name="cryptFilter"/>: its
    /// <c>/Name</c>, <c>Identity</c> by default), applied by the decryption rather than decoded.
    /// </summary>
    private static List<string>? Filters(PdfValue dictionary, out bool earlyChange, out string? cryptFilter, out string? unsupported)
    {
        earlyChange = true;
        unsupported = null;
        cryptFilter = null;
        var filter = dictionary.Get("Filter");
        List<PdfValue> names = filter switch
        {
            null => [],
            { Kind: PdfKind.Array, Items: { } items } => items,
            _ => [filter],
        };
        var parameters = dictionary.Get("DecodeParms") ?? dictionary.Get("DP");
        List<PdfValue?> parameterList = parameters switch
        {
            { Kind: PdfKind.Array, Items: { } items } => [.. items],
            _ => [parameters],
        };

        var chain = new List<string>();
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (i == 0 && name is { Kind: PdfKind.Name, Text: "Crypt" })
            {
                cryptFilter = i < parameterList.Count && parameterList[i]?.Get("Name") is { Kind: PdfKind.Name, Text: { } crypt } ? crypt : "Identity";
                continue;
            }

            var canonical = name is { Kind: PdfKind.Name, Text: { } text } ? PdfFilters.Canonical(text) : null;
            if (chain.Count >= 8 || canonical is null)
            {
                unsupported = name is { Kind: PdfKind.Name, Text: { } shown } ? $"/{shown}" : "an invalid /Filter";
                return null;
            }

            var stageParameters = i < parameterList.Count ? parameterList[i] : null;
            if (stageParameters is { Kind: PdfKind.Dictionary })
            {
                if (stageParameters.Get("Predictor") is { Kind: PdfKind.Integer, Number: > 1 })
                {
                    unsupported = $"/{canonical} with a predictor";
                    return null;
                }

                if (canonical == "LZWDecode" && stageParameters.Get("EarlyChange") is { Kind: PdfKind.Integer, Number: 0 })
                {
                    earlyChange = false;
                }
            }

            chain.Add(canonical);
        }

        return chain;
    }

    /// <summary>
    /// Decodes stream <paramref name="data"/> (where it is held, or decrypted) through
    /// <paramref name="filters"/>, each stage bounded by <paramref name="limit"/>, the ratio to the encoded size, the
    /// file's total and what the check's budget can still pay for (every stage's output, and as much again to read
    /// it); no array when damaged or a bomb. A probe keeps what it got. The data is read where it is held and each
    /// stage's output handed to the next as it is (no copies).
    /// </summary>
    private ArraySegment<byte> Decode(ArraySegment<byte> data, List<string> filters, bool earlyChange, int limit, bool probe)
    {
        var length = data.Count;
        var affordable = (Budget.Limit - Budget.Spent) / ((filters.Count + 1L) * WorkCost.DecodedByte);
        var cap = probe ? limit : (int)Math.Max(0, Math.Min(Math.Min(limit, affordable), Math.Min(MaxInflatedTotalBytes - _inflatedTotal, (1024L * 1024) + ((long)length * MaxInflateRatio))));
        foreach (var filter in filters)
        {
            using var output = new MemoryStream();
            var result = PdfFilters.Decode(filter, data, cap, earlyChange, output, Budget);
            if (result == PdfFilters.Result.TooLarge && !probe)
            {
                Unverifiable = $"a compressed stream decodes to more than {Math.Min(limit, (1024L * 1024) + ((long)length * MaxInflateRatio))} bytes, or more than the check can afford (a decompression bomb?)";
                return default;
            }

            if (result == PdfFilters.Result.Damaged && !probe)
            {
                return default;
            }

            data = new ArraySegment<byte>(output.GetBuffer(), 0, (int)output.Length);
        }

        if (!probe)
        {
            _inflatedTotal += data.Count;
        }

        return data;
    }
}
