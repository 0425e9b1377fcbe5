namespace Uploads.Sniffing;

/// <summary>What <see cref="ContentSniffer.Evaluate"/> answers: more bytes are needed, or the type is decided.</summary>
public abstract record SniffOutcome
{
    private SniffOutcome()
    {
    }

    /// <summary>
    /// More bytes are needed to decide: the caller fetches this range (a storage range read, or waits for the stream
    /// to pass it) and calls again. The range never extends past a known total length. While the total length is
    /// unknown (streaming), a range with a negative offset (<see cref="ByteRange.IsTail"/>) asks for the last
    /// <see cref="ByteRange.Length"/> bytes: keep them and call again once the stream has ended and
    /// <see cref="SniffInput.TotalLength"/> is set.
    /// </summary>
    internal sealed record NeedBytes(ByteRange Range) : SniffOutcome;

    /// <summary>
    /// Decided. <paramref name="MediaType"/> is the detected type: an allowlist name (canonical: <c>audio/wav</c> for both
    /// WAV names), or a descriptive non-allowed type (<c>application/zip</c>, <c>video/webm</c>, <c>video/3gpp</c>,
    /// <c>audio/mp4</c>, <c>text/html</c>, ... or <c>application/octet-stream</c> when unknown).
    /// <paramref name="Refusal"/> is set when the file is of an allowed family but must be refused anyway (SVG with
    /// active content, hostile or oversized ZIP directory, text that is not UTF-8, ...), with a client-actionable reason.
    /// </summary>
    public sealed record Detected(string MediaType, string? Refusal) : SniffOutcome
    {
        /// <summary>
        /// Everything active found (allowed categories included), in the order found; <see cref="Refusal"/> names the
        /// first that is not allowed.
        /// </summary>
        internal IReadOnlyList<ActiveContentFinding> ActiveContent { get; init; } = [];

        /// <summary>True when the file may be accepted as <see cref="MediaType"/> (no refusal).</summary>
        public bool IsAcceptable => Refusal is null;
    }
}
