namespace Uploads.Sniffing.ActiveContent.Pdf;

internal enum PdfKind
{
    Other,
    Name,
    Integer,
    Reference,
    Dictionary,
    Array,
    Keyword,
}

/// <summary>One parsed PDF value; only what the scanner looks at is kept (names, integers, references, containers).</summary>
internal sealed class PdfValue
{
    public static readonly PdfValue Other = new(PdfKind.Other);

    private PdfValue(PdfKind kind)
    {
        Kind = kind;
    }

    public PdfKind Kind { get; }

    /// <summary>The decoded name (without the slash) or the keyword.</summary>
    public string? Text { get; private init; }

    /// <summary>The integer value, or the object number of a reference.</summary>
    public long Number { get; private init; }

    public List<KeyValuePair<string, PdfValue>>? Entries { get; private init; }

    public List<PdfValue>? Items { get; private init; }

    public static PdfValue Name(string name) => new(PdfKind.Name) { Text = name };

    public static PdfValue Keyword(string keyword) => new(PdfKind.Keyword) { Text = keyword };

    public static PdfValue Integer(long value) => new(PdfKind.Integer) { Number = value };

    public static PdfValue Reference(long objectNumber) => new(PdfKind.Reference) { Number = objectNumber };

    public static PdfValue Dictionary(List<KeyValuePair<string, PdfValue>> entries) => new(PdfKind.Dictionary) { Entries = entries };

    public static PdfValue Array(List<PdfValue> items) => new(PdfKind.Array) { Items = items };

    /// <summary>The value of <paramref name="key"/> in a dictionary (the last one when repeated, as readers do), or null.</summary>
    public PdfValue? Get(string key)
    {
        if (Entries is null)
        {
            return null;
        }

        for (var i = Entries.Count - 1; i >= 0; i--)
        {
            if (Entries[i].Key == key)
            {
                return Entries[i].Value;
            }
        }

        return null;
    }

    public bool Has(string key) => Get(key) is not null;

    /// <summary>True when the dictionary's <paramref name="key"/> is the name <paramref name="name"/>.</summary>
    public bool NameIs(string key, string name) => Get(key) is { Kind: PdfKind.Name } value && value.Text == name;
}
