namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// Finds a PDF's encryption key in the scanner's one pass, and holds what must wait for it. The key needs the
/// trailer's <c>/Encrypt</c> and <c>/ID</c> (a <c>trailer</c>, or a cross-reference stream's dictionary) and the
/// encryption dictionary (direct, or the object it references): usually at the end of the file, after the objects; at
/// the start in a linearized file. Every top-level dictionary that may be an encryption dictionary (a <c>/Filter</c>
/// with <c>/V</c> or <c>/R</c>, not a stream; at most <see cref="MaxCandidates"/> object numbers) is kept until the
/// trailer names one; the key is derived once, as soon as both are known (<see cref="PdfSecurityHandler.Open"/>).
/// Until then, the raw data of object streams is held (at most <see cref="MaxHeldBytes"/> in all, charged as
/// copied bytes) and decrypted at the end if the file turns out encrypted, once each; after it, streams are
/// decrypted as they come. Two trailers naming different encryption dictionaries or file identifiers, or an
/// encryption dictionary defined again after the key was taken from it, make the dictionary malformed.
/// </summary>
internal sealed class PdfDecryption(WorkBudget budget)
{
    /// <summary>The most object-stream bytes held until the key is known (a larger encrypted file is refused as unverifiable).</summary>
    public const int MaxHeldBytes = 16 * 1024 * 1024;

    /// <summary>
    /// The most object streams an encrypted file may have decrypted (held before the key, or as they come after it):
    /// each costs a cipher set-up and a decoder's besides its bytes. An ordinary file has a few hundred (a hundred
    /// objects or more each); more refuse an encrypted file as unverifiable.
    /// </summary>
    public const int MaxObjectStreams = 10_000;

    /// <summary>The most object numbers kept as possible encryption dictionaries.</summary>
    public const int MaxCandidates = 64;

    private readonly Dictionary<long, PdfValue> _candidates = [];
    private readonly List<HeldStream> _held = [];
    private PdfValue? _encrypt;
    private byte[] _id = [];
    private bool _candidatesDropped;
    private long _heldBytes;
    private int _objectStreams;
    private string? _problem;
    private string? _refusal;
    private bool _opened;

    /// <summary>The handler, once the key is known and the empty user password opens the file.</summary>
    public PdfSecurityHandler? Handler { get; private set; }

    /// <summary>Object streams met before the key, held raw (none once the key is known).</summary>
    public IReadOnlyList<HeldStream> Held => _held;

    /// <summary>More object-stream data came before the key than <see cref="MaxHeldBytes"/>.</summary>
    public bool HeldOverflow { get; private set; }

    /// <summary>More than <see cref="MaxObjectStreams"/> object streams were met.</summary>
    public bool TooManyObjectStreams => _objectStreams > MaxObjectStreams;

    /// <summary>
    /// Streams that might be an XFA packet were not read decrypted: met before the key, or encrypted after it (XFA
    /// packets are not decrypted: an encrypted file with an XFA form is unverifiable).
    /// </summary>
    public bool XfaCandidatesUnread { get; set; }

    /// <summary>Counts an object stream to decrypt; false past <see cref="MaxObjectStreams"/>.</summary>
    public bool CountObjectStream() => ++_objectStreams <= MaxObjectStreams;

    /// <summary>Looks at a top-level dictionary: a trailer (<paramref name="objectNumber"/> -1), a cross-reference stream's, or a possible encryption dictionary.</summary>
    public void Observe(PdfValue value, long objectNumber, bool isStream)
    {
        if (value is not { Kind: PdfKind.Dictionary })
        {
            return;
        }

        if (objectNumber < 0 || (isStream && value.NameIs("Type", "XRef")))
        {
            if (value.Get("Encrypt") is { } encrypt)
            {
                Trailer(encrypt, value.Get("ID"));
            }
        }
        else if (!isStream && value.Has("Filter") && (value.Has("V") || value.Has("R")))
        {
            Candidate(value, objectNumber);
        }

        TryOpen();
    }

    /// <summary>Holds an object stream's raw data until the key is known (a copy, charged); not past <see cref="MaxHeldBytes"/> or <see cref="MaxObjectStreams"/>.</summary>
    public void Hold(PdfValue dictionary, long objectNumber, int generation, string? cryptFilter, ReadOnlySpan<byte> data)
    {
        if (HeldOverflow || TooManyObjectStreams || _heldBytes + data.Length > MaxHeldBytes)
        {
            HeldOverflow = true;
            return;
        }

        budget.ChargeBytes(data.Length);
        _heldBytes += data.Length;
        _held.Add(new(dictionary, objectNumber, generation, cryptFilter, data.ToArray()));
    }

    /// <summary>At the end of an encrypted file: null when the handler is known (and nothing contradicts it), else why the file cannot be decrypted.</summary>
    public string? Refusal()
    {
        if (_problem is not null)
        {
            return PdfSecurityHandler.Malformed(_problem);
        }

        if (_opened)
        {
            return _refusal;
        }

        return PdfSecurityHandler.Malformed(_encrypt switch
        {
            null => "no trailer names it",
            { Kind: PdfKind.Reference } reference when _candidatesDropped => $"/Encrypt {reference.Number} 0 R is not among the first {MaxCandidates} possible encryption dictionaries",
            { Kind: PdfKind.Reference } reference => $"/Encrypt {reference.Number} 0 R names no encryption dictionary",
            _ => "/Encrypt is not a dictionary",
        });
    }

    private void Trailer(PdfValue encrypt, PdfValue? id)
    {
        var first = id is { Kind: PdfKind.Array, Items: [{ Kind: PdfKind.String, Bytes: { } bytes }, ..] } ? bytes : [];
        if (_encrypt is null)
        {
            _encrypt = encrypt;
            _id = first;
            return;
        }

        var same = encrypt.Kind == _encrypt.Kind && (encrypt.Kind != PdfKind.Reference || encrypt.Number == _encrypt.Number) && first.AsSpan().SequenceEqual(_id);
        if (!same || encrypt.Kind == PdfKind.Dictionary)
        {
            // A second direct dictionary may differ from the first: only one encryption per file is read.
            _problem ??= "its trailers name different encryption dictionaries or file identifiers";
        }
    }

    private void Candidate(PdfValue value, long objectNumber)
    {
        if (_opened && _encrypt is { Kind: PdfKind.Reference } reference && reference.Number == objectNumber)
        {
            _problem ??= $"object {objectNumber} is defined again after the key was taken from it";
            return;
        }

        if (_opened)
        {
            return;
        }

        if (_candidates.Count >= MaxCandidates && !_candidates.ContainsKey(objectNumber))
        {
            _candidatesDropped = true;
            return;
        }

        budget.Charge(WorkCost.Node);
        _candidates[objectNumber] = value;
    }

    private void TryOpen()
    {
        if (_opened || _problem is not null || _encrypt is null)
        {
            return;
        }

        var dictionary = _encrypt.Kind switch
        {
            PdfKind.Dictionary => _encrypt,
            PdfKind.Reference => _candidates.GetValueOrDefault(_encrypt.Number),
            _ => null,
        };
        if (dictionary is null)
        {
            return;
        }

        _opened = true;
        Handler = PdfSecurityHandler.Open(dictionary, _id, budget, out _refusal);
        _candidates.Clear();
    }

    /// <summary>An object stream met before the key: its dictionary, number, generation, crypt filter and raw data.</summary>
    internal sealed record HeldStream(PdfValue Dictionary, long ObjectNumber, int Generation, string? CryptFilter, byte[] Data);
}
