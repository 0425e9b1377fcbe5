using System.Collections.Frozen;
using System.Text;

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

    /// <summary>A string kept for what it says (<see cref="PdfParser"/> keeps only the values of a few keys).</summary>
    String,
}

/// <summary>
/// One parsed PDF value; only what the scanner looks at is kept (names, integers, references, containers). Immutable:
/// the values most files are made of (the names of ISO 32000's dictionaries, small integers, <c>null</c>,
/// <c>true</c>, <c>false</c>) are shared instances, so that parsing them allocates nothing.
/// </summary>
internal sealed class PdfValue
{
    public static readonly PdfValue Other = new(PdfKind.Other) { Shared = true };

    /// <summary>Integers from 0 below this are shared.</summary>
    private const int SharedIntegers = 1024;

    /// <summary>The longest name looked up among the shared ones.</summary>
    private const int MaxKnownNameLength = 32;

    private static readonly PdfValue[] Integers = [.. Enumerable.Range(0, SharedIntegers).Select(i => new PdfValue(PdfKind.Integer) { Number = i, Shared = true })];

    private static readonly PdfValue Null = new(PdfKind.Keyword) { Text = "null", Shared = true };

    private static readonly PdfValue True = new(PdfKind.Keyword) { Text = "true", Shared = true };

    private static readonly PdfValue False = new(PdfKind.Keyword) { Text = "false", Shared = true };

    private static readonly FrozenDictionary<string, PdfValue> KnownNames = new[]
    {
        "Type", "Subtype", "S", "JS", "JavaScript", "OpenAction", "AA", "A", "Next", "Names", "Kids", "Parent", "Count",
        "Filter", "DecodeParms", "DP", "Length", "Length1", "Length2", "Length3", "N", "First", "Last", "Prev", "Root", "Info",
        "Size", "ID", "Index", "W", "XRef", "ObjStm", "Extends", "Encrypt", "Catalog", "Pages", "Page", "Resources",
        "MediaBox", "CropBox", "BleedBox", "TrimBox", "ArtBox", "Rotate", "Contents", "Annots", "Annot", "Rect", "Border",
        "Link", "URI", "GoTo", "D", "Dest", "Dests", "F", "K", "P", "Pg", "Obj", "MCID", "StructParent", "StructParents",
        "StructTreeRoot", "StructElem", "ParentTree", "ParentTreeNextKey", "RoleMap", "Nums", "MarkInfo", "Marked", "Lang",
        "Metadata", "XML", "Outlines", "Title", "Font", "XObject", "ExtGState", "ColorSpace", "Pattern", "Shading",
        "Properties", "ProcSet", "PDF", "Text", "ImageB", "ImageC", "ImageI", "Image", "Form", "BBox", "Matrix", "Group",
        "Transparency", "CS", "Width", "Height", "BitsPerComponent", "DeviceRGB", "DeviceGray", "DeviceCMYK", "ICCBased",
        "Indexed", "Interpolate", "SMask", "Mask", "Decode", "FontDescriptor", "BaseFont", "Encoding", "Widths",
        "FirstChar", "LastChar", "ToUnicode", "FontFile", "FontFile2", "FontFile3", "Ascent", "Descent", "CapHeight",
        "XHeight", "Flags", "FontBBox", "ItalicAngle", "StemV", "StemH", "FontName", "FontFamily", "FontWeight",
        "FontStretch", "CIDSystemInfo", "CIDToGIDMap", "DescendantFonts", "DW", "Registry", "Ordering", "Supplement",
        "Identity", "Identity-H", "WinAnsiEncoding", "MacRomanEncoding", "StandardEncoding", "Differences", "Type0",
        "Type1", "Type3", "TrueType", "CIDFontType0", "CIDFontType2", "CharProcs", "FontMatrix", "AcroForm", "Fields",
        "FT", "T", "TU", "TM", "V", "DV", "Ff", "DA", "DR", "Q", "MK", "AP", "AS", "Opt", "XFA", "NeedAppearances",
        "SigFlags", "EF", "EmbeddedFiles", "EmbeddedFile", "FileAttachment", "Filespec", "UF", "RichMedia",
        "RichMediaContent", "Launch", "SubmitForm", "ImportData", "GoToR", "GoToE", "Widget", "Btn", "Tx", "Ch", "Sig",
        "FlateDecode", "Fl", "LZWDecode", "LZW", "ASCIIHexDecode", "AHx", "ASCII85Decode", "A85", "RunLengthDecode", "RL",
        "DCTDecode", "JPXDecode", "JBIG2Decode", "CCITTFaxDecode", "Crypt", "Predictor", "Colors", "Columns",
        "EarlyChange", "O", "C", "WC", "WS", "DS", "WP", "PO", "PC", "PV", "PI", "E", "X", "U", "Fo", "Bl", "Fit", "FitH",
        "FitV", "FitR", "FitB", "FitBH", "FitBV", "XYZ", "Producer", "Creator", "Author", "Subject", "Keywords",
        "CreationDate", "ModDate", "Trapped", "PageLabels", "PageLayout", "PageMode", "ViewerPreferences", "OCProperties",
        "OCGs", "OCG", "OC", "Version", "Perms", "Legal", "Collection", "Threads", "AF", "Alt", "ActualText", "Span",
        "Artifact", "Sect", "Part", "Art", "Div", "H1", "H2", "H3", "H4", "H5", "H6", "L", "LI", "Lbl", "LBody", "Table",
        "TR", "TH", "TD", "Figure", "Caption", "Note", "Reference", "Document", "NonStruct", "Normal", "Multiply", "BM",
        "CA", "ca", "LW", "LC", "LJ", "ML", "SA", "OP", "op", "OPM", "HT", "TK", "FunctionType", "Domain", "Range",
        "Functions", "Bounds", "Encode", "C0", "C1", "ShadingType", "Coords", "Background", "Sh", "PatternType",
        "PaintType", "TilingType", "XStep", "YStep", "Function", "Annotation", "Popup", "Square", "Circle", "Highlight",
        "Underline", "StrikeOut", "Ink", "Stamp", "FreeText", "Line", "Polygon", "PolyLine", "H", "IC", "RC", "CreationDate",
        "NM", "M", "Open", "R", "BS", "Dash", "Print", "Off", "On", "Yes", "ZaDb", "Helv",
    }.Distinct().ToFrozenDictionary(name => name, name => new PdfValue(PdfKind.Name) { Text = name, Shared = true }, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, PdfValue>.AlternateLookup<ReadOnlySpan<char>> KnownNameLookup = KnownNames.GetAlternateLookup<ReadOnlySpan<char>>();

    private PdfValue(PdfKind kind)
    {
        Kind = kind;
    }

    public PdfKind Kind { get; }

    /// <summary>One of the shared instances (parsing it allocated nothing).</summary>
    public bool Shared { get; private init; }

    /// <summary>The decoded name (without the slash) or the keyword.</summary>
    public string? Text { get; private init; }

    /// <summary>The integer value, or the object number of a reference.</summary>
    public long Number { get; private init; }

    public List<KeyValuePair<string, PdfValue>>? Entries { get; private init; }

    public List<PdfValue>? Items { get; private init; }

    /// <summary>A kept string's bytes (escapes and hex decoded), at most <see cref="PdfParser.MaxKeptStringBytes"/>.</summary>
    public byte[]? Bytes { get; private init; }

    /// <summary>A kept string was longer than <see cref="Bytes"/>.</summary>
    public bool Truncated { get; private init; }

    /// <summary>The name whose bytes (decoded, without the slash) are <paramref name="latin1"/>: a shared one when it is a common name.</summary>
    public static PdfValue Name(ReadOnlySpan<byte> latin1)
    {
        if (latin1.Length <= MaxKnownNameLength)
        {
            Span<char> chars = stackalloc char[latin1.Length];
            for (var i = 0; i < latin1.Length; i++)
            {
                chars[i] = (char)latin1[i];
            }

            return KnownNameLookup.TryGetValue(chars, out var known) ? known : new(PdfKind.Name) { Text = new string(chars) };
        }

        return new(PdfKind.Name) { Text = Encoding.Latin1.GetString(latin1) };
    }

    /// <summary>The keyword <paramref name="ascii"/> (its first 32 bytes): a shared one for <c>null</c>, <c>true</c> and <c>false</c>.</summary>
    public static PdfValue Keyword(ReadOnlySpan<byte> ascii) => ascii switch
    {
        _ when ascii.SequenceEqual("null"u8) => Null,
        _ when ascii.SequenceEqual("true"u8) => True,
        _ when ascii.SequenceEqual("false"u8) => False,
        _ => new(PdfKind.Keyword) { Text = Encoding.ASCII.GetString(ascii[..Math.Min(ascii.Length, 32)]) },
    };

    public static PdfValue Integer(long value) => value is >= 0 and < SharedIntegers ? Integers[value] : new(PdfKind.Integer) { Number = value };

    public static PdfValue String(byte[] bytes, bool truncated) => new(PdfKind.String) { Bytes = bytes, Truncated = truncated };

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
