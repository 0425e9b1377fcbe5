namespace Uploads.Sniffing;

/// <summary>
/// Categories of active content: what makes a document or image run code, fetch or read something, or carry another
/// file. Every category is refused by default; a deployment may allow some (<see cref="SniffInput.AllowedActiveContent"/>).
/// What cannot be checked within the bounds is refused as unverifiable whatever is allowed.
/// See docs/sniffing.md ("Active content") for the rules and the attacks they stop.
/// </summary>
[Flags]
#pragma warning disable CA1711 // "Kinds" is the plural of a flags enum, not a suffix convention.
public enum ActiveContentKinds
#pragma warning restore CA1711
{
    None = 0,

    /// <summary>PDF JavaScript outside form fields: <c>/OpenAction</c>, the <c>/Names /JavaScript</c> tree, catalog and page <c>/AA</c>, links (also <c>javascript:</c> and <c>vbscript:</c> link addresses).</summary>
    PdfJavaScript = 1 << 0,

    /// <summary>PDF JavaScript of form fields (<c>/AA</c> keystroke, format, validate, calculate; buttons) and XFA scripts.</summary>
    PdfFormScripts = 1 << 1,

    /// <summary>PDF <c>/Launch</c> actions (run a program, open a local file).</summary>
    PdfLaunch = 1 << 2,

    /// <summary>PDF embedded files: <c>/EmbeddedFiles</c>, <c>/FileAttachment</c> annotations, <c>/EF</c> file specifications.</summary>
    PdfEmbeddedFiles = 1 << 3,

    /// <summary>PDF <c>/RichMedia</c> (Flash, video players with their own code).</summary>
    PdfRichMedia = 1 << 4,

    /// <summary>PDF actions that leave the document: <c>/SubmitForm</c>, <c>/ImportData</c>, <c>/GoToR</c>, <c>/GoToE</c>, link addresses (<c>/URI</c>) that are not <c>http:</c>, <c>https:</c> or <c>mailto:</c>.</summary>
    PdfExternalActions = 1 << 5,

    /// <summary>Encrypted PDFs that cannot be decrypted (a user password, another security handler, a malformed encryption dictionary): their strings and streams cannot be read, so they cannot be checked. Those that open without a password are decrypted and checked.</summary>
    PdfEncrypted = 1 << 6,

    /// <summary>Office macros: a VBA project in a DOCX (any content type), macro storages in a DOC.</summary>
    OfficeMacros = 1 << 7,

    /// <summary>Office ActiveX controls.</summary>
    OfficeActiveX = 1 << 8,

    /// <summary>Office external relationships other than hyperlinks (remote templates, linked OLE objects, frames, sub-documents, file:/UNC images).</summary>
    OfficeExternalContent = 1 << 9,

    /// <summary>Office DDE / DDEAUTO fields (run a command through another program).</summary>
    OfficeDde = 1 << 10,

    /// <summary>Office embedded objects that are not Office documents: OLE packages (<c>Ole10Native</c>: a file, often an executable, wrapped in the document), Equation Editor objects (CVE-2017-11882), objects of any other OLE class, raw files under <c>embeddings/</c>.</summary>
    OfficeEmbeddedObjects = 1 << 11,

    /// <summary>SVG references a viewer fetches or reads: CSS <c>@import</c>/<c>url()</c>, external <c>&lt;image&gt;</c>/<c>&lt;use&gt;</c>, DOCTYPE system ids, XInclude, <c>xml:base</c>.</summary>
    SvgExternalReferences = 1 << 12,

    /// <summary>Scripts in a part a DOCX imports in another format (<c>altChunk</c> HTML or web archive): <c>&lt;script&gt;</c>, event-handler attributes, script URLs, CSS expressions.</summary>
    OfficeImportedScripts = 1 << 13,
}
