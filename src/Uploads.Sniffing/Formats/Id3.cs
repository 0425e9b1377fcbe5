namespace Uploads.Sniffing.Formats;

/// <summary>
/// The ID3v2 tags before MPEG audio or ADTS AAC (v2.2, v2.3, v2.4: unsynchronisation, extended header, footer), walked
/// frame by frame (docs/sniffing.md, "Files inside files: audio and video"): a <c>GEOB</c> (an encapsulated file) is
/// refused; an <c>APIC</c>/<c>PIC</c> picture must be a JPEG, PNG or GIF matching its declared type (a link,
/// <c>--&gt;</c>, is refused); <c>PRIV</c> and unknown frames up to <see cref="StructureWalk.MaxOpaqueBytes"/> without
/// another file's signature; padding must be zeros.
/// </summary>
internal static class Id3
{
    /// <summary>How much of a picture or object frame is read to reach its data (the description before it is short).</summary>
    private const int FramePrefixBytes = 8 * 1024;

    /// <summary>Checks the tag at <paramref name="at"/> (its 10-byte header held in <paramref name="header"/>); null when it passes.</summary>
    public static SniffOutcome? Check(SniffContext context, string type, long at, ReadOnlySpan<byte> header)
    {
        var version = header[3];
        var flags = header[5];
        var size = (header[6] << 21) | (header[7] << 14) | (header[8] << 7) | header[9];
        var body = at + 10;
        if (context.Total is { } total && body + size > total)
        {
            return Damaged(type, at, "its size passes the end of the file");
        }

        byte[]? whole = null;
        if ((flags & 0x80) != 0 && version < 4)
        {
            // The whole tag is unsynchronised: its frame sizes count the bytes once resynchronised.
            if (size > ContentSniffer.MaxRangeBytes)
            {
                return SniffContext.Detected(type, $"The file's ID3 tag at offset {at} is unsynchronised and over {ContentSniffer.MaxRangeBytes / 1024 / 1024} MiB, too large to check. Re-save its tags with an ordinary tagger (ID3v2.4 or without unsynchronisation).");
            }

            if (!context.TryRead(body, size, out var raw, out var missing, ContentSniffer.WalkReadBytes))
            {
                return missing ?? Damaged(type, at, "it is truncated");
            }

            whole = Resynchronise(raw.Span, context.Budget);
        }

        var position = 0L;
        var end = whole?.Length ?? (long)size;
        if ((flags & 0x40) != 0 && version >= 3)
        {
            if (!Get(context, whole, body, position, 4, out var ext, out var missing))
            {
                return missing ?? Damaged(type, at, "its extended header is truncated");
            }

            var e = ext.Span;
            position += version == 3 ? 4 + SniffContext.U32BE(e, 0) : (e[0] << 21) | (e[1] << 14) | (e[2] << 7) | e[3];
        }

        // A tag of many frames is walked across rounds: resume where the last round stopped.
        var walk = StructureWalk.State<TagWalk>(context);
        if (walk.Tag == at && walk.Position > position && whole is null)
        {
            position = walk.Position;
        }

        walk.Tag = at;
        var headerLength = version == 2 ? 6 : 10;
        while (position + headerLength <= end)
        {
            context.Budget.Charge(WorkCost.Node);
            if (!Get(context, whole, body, position, headerLength, out var frameHeader, out var missing))
            {
                return missing ?? Damaged(type, at, "it is truncated");
            }

            var h = frameHeader.Span;
            if (h[0] == 0)
            {
                return Padding(context, type, whole, body, position, end);
            }

            var idLength = version == 2 ? 3 : 4;
            foreach (var c in h[..idLength])
            {
                if (c is not ((>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')))
                {
                    return Damaged(type, at + 10 + position, "a frame's name is not one");
                }
            }

            var id = System.Text.Encoding.ASCII.GetString(h[..idLength]);
            long frameSize = version switch
            {
                2 => (h[3] << 16) | (h[4] << 8) | h[5],
                3 => SniffContext.U32BE(h, 4),
                _ => (h[4] | h[5] | h[6] | h[7]) < 0x80 ? (h[4] << 21) | (h[5] << 14) | (h[6] << 7) | h[7] : SniffContext.U32BE(h, 4),
            };
            var frameFlags = version == 2 ? 0 : (h[8] << 8) | h[9];
            var payload = position + headerLength;
            if (payload + frameSize > end)
            {
                return Damaged(type, at + 10 + position, $"its frame '{id}' passes the end of the tag");
            }

            var where = Carried.At($"the ID3 frame '{id}'", body + position);
            if (Frame(context, type, version, id, frameFlags, whole, body, payload, frameSize, where) is { } verdict)
            {
                return verdict;
            }

            position = payload + frameSize;
            walk.Position = whole is null ? position : 0;
        }

        return position < end ? Padding(context, type, whole, body, position, end) : null;
    }

    private static SniffOutcome? Frame(SniffContext context, string type, int version, string id, int flags, byte[]? whole, long body, long payload, long size, string where)
    {
        var picture = id is "APIC" or "PIC";
        var embedded = id is "GEOB" or "GEO";
        var known = Known(id, version);
        if (!picture && !embedded && known)
        {
            return null;
        }

        // Grouping and data-length bytes come before the data; compressed or encrypted data cannot be looked at.
        var compressed = version == 3 ? (flags & 0x00C0) != 0 : version == 4 && (flags & 0x000C) != 0;
        var skip = version == 3 ? ((flags & 0x0080) != 0 ? 4 : 0) + ((flags & 0x0020) != 0 ? 1 : 0)
            : version == 4 ? ((flags & 0x0040) != 0 ? 1 : 0) + ((flags & 0x0001) != 0 ? 4 : 0) : 0;
        var unsynchronised = version == 4 && (flags & 0x0002) != 0;
        if (compressed)
        {
            return SniffContext.Detected(type, Carried.Refusal("a compressed or encrypted frame that cannot be checked", where));
        }

        if (!Get(context, whole, body, payload + skip, (int)Math.Clamp(size - skip, 0, FramePrefixBytes), out var prefixMemory, out var missing))
        {
            return missing ?? Damaged(type, body, "it is truncated");
        }

        var prefix = unsynchronised ? Resynchronise(prefixMemory.Span, context.Budget) : prefixMemory.Span.ToArray();
        context.Budget.ChargeBytes(prefix.Length, WorkCost.AllocatedByte);
        if (embedded)
        {
            // Encoding, MIME type, file name, description, then the object.
            var data = prefix.AsSpan();
            var encoding = prefix.Length > 0 ? prefix[0] : (byte)0;
            data = data.IsEmpty ? data : data[1..];
            var found = Text(ref data, 0) is not null && Text(ref data, encoding) is not null && Text(ref data, encoding) is not null
                ? Carried.Identify(data) : null;
            return SniffContext.Detected(type, Carried.Refusal(found ?? "an embedded file", where));
        }

        if (picture)
        {
            return Picture(type, version, prefix, where);
        }

        var opaque = Carried.Identify(prefix);
        if (opaque is not null || size > StructureWalk.MaxOpaqueBytes)
        {
            return SniffContext.Detected(type, Carried.Refusal(opaque ?? $"a private frame of {size} bytes (over the {StructureWalk.MaxOpaqueBytes / 1024} KiB that ordinary taggers write)", where));
        }

        return null;
    }

    /// <summary>An attached picture: a JPEG, PNG or GIF by its bytes, of the type it declares.</summary>
    private static SniffOutcome.Detected? Picture(string type, int version, byte[] frame, string where)
    {
        if (frame.Length < 2)
        {
            return SniffContext.Detected(type, Carried.Refusal("an empty picture", where));
        }

        var encoding = frame[0];
        var data = frame.AsSpan(1);
        string declared;
        if (version == 2)
        {
            if (data.Length < 3)
            {
                return SniffContext.Detected(type, Carried.Refusal("an empty picture", where));
            }

            declared = System.Text.Encoding.Latin1.GetString(data[..3]).ToUpperInvariant() switch
            {
                "JPG" => "image/jpeg",
                "PNG" => "image/png",
                "GIF" => "image/gif",
                "-->" => "-->",
                var other => other,
            };
            data = data[3..];
        }
        else
        {
            declared = Text(ref data, 0)?.Trim().ToLowerInvariant() ?? "";
        }

        // Picture type, description, then the picture.
        if (!data.IsEmpty)
        {
            data = data[1..];
        }

        if (data.IsEmpty || Text(ref data, encoding) is null)
        {
            return SniffContext.Detected(type, Carried.Refusal("a damaged picture frame", where));
        }

        return StructureWalk.PictureProblem(data, declared) is { } problem ? SniffContext.Detected(type, Carried.Refusal(problem, where)) : null;
    }

    /// <summary>Skips a terminated string of <paramref name="encoding"/> (UTF-16 ones end with two zero bytes); its Latin-1 text, or null when unterminated.</summary>
    private static string? Text(ref Span<byte> data, byte encoding)
    {
        var wide = encoding is 1 or 2;
        for (var i = 0; i + (wide ? 1 : 0) < data.Length; i += wide ? 2 : 1)
        {
            if (data[i] == 0 && (!wide || data[i + 1] == 0))
            {
                var text = System.Text.Encoding.Latin1.GetString(data[..i]);
                data = data[(i + (wide ? 2 : 1))..];
                return text;
            }
        }

        return null;
    }

    private static SniffOutcome? Padding(SniffContext context, string type, byte[]? whole, long body, long position, long end)
    {
        while (position < end)
        {
            var length = (int)Math.Min(ContentSniffer.MaxRangeBytes, end - position);
            if (!Get(context, whole, body, position, length, out var bytes, out var missing))
            {
                return missing ?? Damaged(type, body, "it is truncated");
            }

            context.Budget.ChargeBytes(length);
            var nonZero = bytes.Span.IndexOfAnyExcept((byte)0);
            if (nonZero >= 0)
            {
                var found = Carried.Identify(bytes.Span[nonZero..]);
                return SniffContext.Detected(type, Carried.Refusal(found ?? "data in the padding", Carried.At("the ID3 tag's padding", body + position + nonZero)));
            }

            position += length;
        }

        return null;
    }

    /// <summary>Bytes of the tag body: from the resynchronised copy, or read from the file.</summary>
    private static bool Get(SniffContext context, byte[]? whole, long body, long position, int length, out ReadOnlyMemory<byte> bytes, out SniffOutcome? missing)
    {
        missing = null;
        if (whole is not null)
        {
            bytes = position + length <= whole.Length ? whole.AsMemory((int)position, length) : default;
            return position + length <= whole.Length;
        }

        // A tag's frames lie close together: a read takes the next 64 KiB of them.
        return context.TryRead(body + position, length, out bytes, out missing, ContentSniffer.ChunkBytes);
    }

    /// <summary>Where the frame walk of the tag at <see cref="Tag"/> got to (relative to the tag's body).</summary>
    private sealed class TagWalk
    {
        public long Tag { get; set; } = -1;

        public long Position { get; set; }
    }

    /// <summary>Undoes unsynchronisation: FF 00 becomes FF.</summary>
    private static byte[] Resynchronise(ReadOnlySpan<byte> data, WorkBudget budget)
    {
        budget.ChargeBytes(data.Length, WorkCost.AllocatedByte);
        var result = new byte[data.Length];
        var length = 0;
        for (var i = 0; i < data.Length; i++)
        {
            result[length++] = data[i];
            if (data[i] == 0xFF && i + 1 < data.Length && data[i + 1] == 0)
            {
                i++;
            }
        }

        return result[..length];
    }

    /// <summary>The standard frames that hold text, numbers or links (whatever their size), by version.</summary>
    private static bool Known(string id, int version) => version == 2
        ? id[0] is 'T' or 'W' || id is "BUF" or "CNT" or "COM" or "CRA" or "CRM" or "ETC" or "EQU" or "IPL" or "LNK" or "MCI" or "MLL" or "POP" or "REV" or "RVA" or "SLT" or "STC" or "UFI" or "ULT"
        : id[0] is 'T' or 'W' || id is "AENC" or "ASPI" or "COMM" or "COMR" or "ENCR" or "EQU2" or "EQUA" or "ETCO" or "GRID" or "IPLS" or "LINK" or "MCDI" or "MLLT" or "OWNE"
            or "PCNT" or "POPM" or "POSS" or "RBUF" or "RVA2" or "RVAD" or "RVRB" or "SEEK" or "SIGN" or "SYLT" or "SYTC" or "UFID" or "USER" or "USLT" or "GRP1" or "MVNM" or "MVIN" or "PCST";

    private static SniffOutcome.Detected Damaged(string type, long offset, string how) =>
        SniffContext.Detected(type, $"The file's ID3 tag at offset {offset} is damaged: {how}. Re-save its tags with an ordinary tagger and upload that.");
}
