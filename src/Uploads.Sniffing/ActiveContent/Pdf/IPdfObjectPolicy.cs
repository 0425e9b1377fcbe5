namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// What a <see cref="PdfObjectReader"/> hands the policy that decides on the file (<see cref="PdfScanner"/>): every
/// parsed value, and the streams other than object streams that may matter to it.
/// </summary>
internal interface IPdfObjectPolicy
{
    /// <summary>
    /// An object's value (<paramref name="objectNumber"/> -1: a trailer; <paramref name="generation"/> -1: its
    /// strings are not encrypted on their own, in an object stream or a trailer).
    /// </summary>
    void Examine(PdfValue value, long objectNumber, int generation);

    /// <summary>True when a stream with <paramref name="dictionary"/> may hold content the policy checks: its start is then probed.</summary>
    bool MayMatter(PdfValue dictionary);

    /// <summary>True when a probed stream, by its first decoded bytes, is one the policy checks: it is then decoded whole.</summary>
    bool Matters(ReadOnlySpan<byte> start);

    /// <summary>The decoded content of a stream that matters.</summary>
    void Content(ReadOnlySpan<byte> content);
}
