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

    /// <summary>
    /// The refusal for bytes after a container's end at <paramref name="offset"/>: what they are by their first bytes,
    /// or a ZIP archive when the file's tail makes it one, else <paramref name="otherwise"/>. False with
    /// <paramref name="missing"/> while bytes must be read first.
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
