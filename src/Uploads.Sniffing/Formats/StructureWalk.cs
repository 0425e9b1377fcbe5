namespace Uploads.Sniffing.Formats;

/// <summary>
/// What the walks of the audio and video containers share (docs/sniffing.md, "Files inside files: audio and video"):
/// the state a walk resumes from in a later round, a look at the first bytes of an element's payload (what it
/// carries, <see cref="Carried.Identify"/>), and the bounds on elements a player skips unread.
/// </summary>
internal static class StructureWalk
{
    /// <summary>How much of a payload's start is looked at to name what it carries (an executable's PE header lies within it).</summary>
    public const int PeekBytes = 4 * 1024;

    /// <summary>
    /// The largest payload of an element a player skips unread that is not padding (an MP4 <c>uuid</c> or unknown box,
    /// an unknown Matroska element, an ID3 <c>PRIV</c> or unknown frame): real ones (XMP, encoder notes) are smaller.
    /// </summary>
    public const int MaxOpaqueBytes = 64 * 1024;

    /// <summary>The largest padding element (an MP4 <c>free</c>/<c>skip</c>/<c>wide</c> box, a Matroska <c>Void</c>): producers reserve a few KiB.</summary>
    public const int MaxPaddingBytes = 1024 * 1024;

    /// <summary>Top-level elements allowed before the first <see cref="ElementsPerKiB"/>-per-KiB rule applies (a small file's few elements).</summary>
    public const int FreeElements = 1024;

    /// <summary>
    /// Past <see cref="FreeElements"/>, a walk allows one top-level element per this many KiB of file before it: real
    /// files hold a box or cluster per tens of KiB at least; a file of tiny elements is crafted to be slow to walk.
    /// </summary>
    public const int ElementsPerKiB = 1;

    /// <summary>
    /// The refusal for the <paramref name="count"/>th element at <paramref name="offset"/> when more elements than
    /// <see cref="FreeElements"/> plus one per KiB before it have been walked, else null.
    /// </summary>
    public static string? TooMany(long count, long offset, string elements) =>
        count > FreeElements + (offset / 1024 * ElementsPerKiB)
            ? $"The file has more {elements} than any ordinary file: {count} in its first {offset} bytes (at most {FreeElements} and one per KiB), a structure crafted to be slow to check. Re-save or remux it with an ordinary application and upload that."
            : null;

    /// <summary>The walk state of type <typeparamref name="T"/> this file's earlier rounds left, or a new one.</summary>
    public static T State<T>(SniffContext context)
        where T : class, new()
    {
        if (context.Progress.Walk is T state)
        {
            return state;
        }

        state = new T();
        context.Progress.Walk = state;
        return state;
    }

    /// <summary>
    /// Names what the payload of <paramref name="length"/> bytes at <paramref name="offset"/> carries by its first bytes
    /// (null: nothing known). False with <paramref name="missing"/> set when the bytes must be read first.
    /// </summary>
    public static bool TryIdentify(SniffContext context, long offset, long length, out string? found, out SniffOutcome? missing)
    {
        found = null;
        var peek = (int)Math.Clamp(length, 0, PeekBytes);
        if (context.Total is { } total)
        {
            peek = (int)Math.Clamp(Math.Min(peek, total - offset), 0, PeekBytes);
        }

        if (peek == 0)
        {
            missing = null;
            return true;
        }

        if (!context.TryRead(offset, peek, out var bytes, out missing, ContentSniffer.WalkReadBytes))
        {
            if (missing is not null)
            {
                return false;
            }

            return true;
        }

        context.Budget.ChargeBytes(bytes.Length);
        found = Carried.Identify(bytes.Span);
        return true;
    }

    /// <summary>What a picture's bytes are (a cover, an attached picture): <c>image/jpeg</c>, <c>image/png</c>, <c>image/gif</c>, or null.</summary>
    public static string? PictureType(ReadOnlySpan<byte> data) =>
        data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]) ? "image/png"
        : data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8) ? "image/gif"
        : null;

    /// <summary>
    /// What is wrong with a picture declared as <paramref name="declared"/> (a MIME type, lower case; empty when not
    /// given) whose bytes start with <paramref name="data"/>, for <see cref="Carried.Refusal"/>; null when it is a JPEG,
    /// PNG or GIF of that type. A link (<c>--&gt;</c>) is not a picture.
    /// </summary>
    public static string? PictureProblem(ReadOnlySpan<byte> data, string declared)
    {
        if (declared == "-->")
        {
            return "a link to a picture elsewhere instead of a picture";
        }

        var actual = PictureType(data);
        var matches = actual is not null && (declared is "" or "image/" or "image" || declared == actual || (declared == "image/jpg" && actual == "image/jpeg"));
        return matches ? null : Carried.Identify(data) ?? $"a picture that is not the {(declared.Length == 0 ? "image" : declared)} it declares (only JPEG, PNG and GIF pictures are accepted)";
    }

    /// <summary>
    /// The refusal for bytes after a container's end at <paramref name="offset"/> (<paramref name="where"/>): what they
    /// are by their first bytes, or a ZIP archive when the file's tail makes it one, else <paramref name="otherwise"/>;
    /// or the range to read first.
    /// </summary>
    public static SniffOutcome Trailing(SniffContext context, string mediaType, long offset, string where, string otherwise)
    {
        if (!TryIdentify(context, offset, long.MaxValue, out var found, out var missing))
        {
            return missing!;
        }

        if (found is null && context.Total is { } total)
        {
            if (!context.TryGetTail((int)Math.Min(Carried.ZipEndSearchBytes, total - offset), out var tail, out var need))
            {
                return need;
            }

            if (Carried.FindZipEnd(tail.Span, context.Budget) >= 0)
            {
                found = "a ZIP archive";
            }
        }

        return SniffContext.Detected(mediaType, Carried.Refusal(found ?? otherwise, Carried.At(where, offset)));
    }
}
