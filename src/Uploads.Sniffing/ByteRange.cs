namespace Uploads.Sniffing;

/// <summary>
/// A range of a file's bytes. A negative <paramref name="Offset"/> (only in <see cref="SniffOutcome.NeedBytes"/> while
/// the total length is unknown) means "the last <paramref name="Length"/> bytes of the file": see <see cref="IsTail"/>.
/// </summary>
public readonly record struct ByteRange(long Offset, int Length)
{
    /// <summary>The offset just past the range.</summary>
    public long End => Offset + Length;

    /// <summary>True when the range counts from the end of a file whose length is not known yet.</summary>
    public bool IsTail => Offset < 0;
}
