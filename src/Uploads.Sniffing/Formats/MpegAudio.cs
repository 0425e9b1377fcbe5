namespace Uploads.Sniffing.Formats;

/// <summary>
/// MPEG audio (MP3 and MPEG-1/2/2.5 layers I-III) and ADTS AAC: ID3v2 tags of any size are skipped (the frames after a
/// big tag are asked for as a later range), then consecutive frame headers must chain: a lone valid-looking header
/// followed by noise is not audio.
/// </summary>
internal static class MpegAudio
{
    private const int FramesToConfirm = 3;
    private const int MaxTags = 4;
    private const int MaxPadding = 4096;

    private static readonly int[][] Bitrates =
    [
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448], // MPEG-1 layer I
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384], // MPEG-1 layer II
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], // MPEG-1 layer III
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256], // MPEG-2/2.5 layer I
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160], // MPEG-2/2.5 layers II and III
    ];

    private static readonly int[][] SampleRates =
    [
        [11025, 12000, 8000], // MPEG-2.5
        [0, 0, 0], // reserved
        [22050, 24000, 16000], // MPEG-2
        [44100, 48000, 32000], // MPEG-1
    ];

    private static readonly int[] AdtsRates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    private enum Framing
    {
        Mpeg,
        Adts,
    }

    public static SniffOutcome? Detect(SniffContext context)
    {
        long start = 0;
        var tagged = false;
        Span<long> tags = stackalloc long[MaxTags];
        var tagCount = 0;
        for (var i = 0; i < MaxTags; i++)
        {
            context.Budget.Charge(WorkCost.Node);
            if (!context.TryRead(start, 10, out var tagHeader, out var missing))
            {
                return missing;
            }

            var h = tagHeader.Span;
            if (!h.StartsWith("ID3"u8))
            {
                break;
            }

            if (h[3] is < 2 or > 4 || h[4] == 0xFF || ((h[6] | h[7] | h[8] | h[9]) & 0x80) != 0)
            {
                return null;
            }

            var size = (h[6] << 21) | (h[7] << 14) | (h[8] << 7) | h[9];
            var footer = h[3] == 4 && (h[5] & 0x10) != 0 ? 10 : 0;
            tags[tagCount++] = start;
            start += 10 + size + footer;
            tagged = true;
        }

        if (tagged)
        {
            // Some taggers leave zero padding after the tag's declared size.
            var window = context.Total is { } total ? (int)Math.Min(MaxPadding, total - start) : MaxPadding;
            if (window < 4)
            {
                return null;
            }

            if (!context.TryRead(start, window, out var padding, out var missing))
            {
                return missing;
            }

            context.Budget.ChargeBytes(padding.Length);
            var first = padding.Span.IndexOfAnyExcept((byte)0);
            if (first < 0)
            {
                return null;
            }

            start += first;
            if (!context.TryRead(start, 4, out var magic, out missing))
            {
                return missing;
            }

            if (magic.Span.StartsWith("fLaC"u8))
            {
                return SniffContext.Detected("audio/flac");
            }
        }

        if (!context.TryRead(start, 2, out var sync, out var need))
        {
            return need;
        }

        var framing = (sync.Span[1] & 0x06) == 0 ? Framing.Adts : Framing.Mpeg;
        var confirmed = Confirm(context, start, framing);
        if (confirmed is not SniffOutcome.Detected { IsAcceptable: true } detected)
        {
            return confirmed;
        }

        // Audio: its tags walked, and its end.
        foreach (var tag in tags[..tagCount])
        {
            if (!context.TryRead(tag, 10, out var header, out var missing))
            {
                return missing;
            }

            if (Id3.Check(context, detected.MediaType, tag, header.Span) is { } verdict)
            {
                return verdict;
            }
        }

        return End(context, detected.MediaType, start, framing);
    }

    /// <summary>How much before the trailing tags must hold a chain of whole frames ending exactly where they begin.</summary>
    private const int ChainWindowBytes = 16 * 1024;

    /// <summary>The largest trailing APE or ID3v2 tag read to check its items.</summary>
    private const int MaxTrailingTagBytes = 1024 * 1024;

    /// <summary>
    /// The end of the stream (docs/sniffing.md, "Files inside files: audio and video"): from the end, the tags a player
    /// knows (ID3v1, APE with its binary items checked, Lyrics3, an ID3v2 tag with a footer); before them, the last
    /// <see cref="ChainWindowBytes"/> must hold a chain of whole frames of one stream ending exactly where the tags begin
    /// (the whole stream when the file is that short). Anything else after the audio is refused. The middle of a long
    /// file is not read.
    /// </summary>
    private static SniffOutcome End(SniffContext context, string type, long audioStart, Framing framing)
    {
        if (!context.TryGetTail((int)Math.Min(ContentSniffer.ZipTailBytes, Math.Max(1, (context.Total ?? 0) - audioStart)), out var tailMemory, out var missing))
        {
            return missing;
        }

        var total = context.Total!.Value;
        var tail = tailMemory.Span;
        var tailStart = total - tail.Length;
        var end = total;
        for (var i = 0; i < MaxTags; i++)
        {
            context.Budget.Charge(WorkCost.Node);
            var at = (int)(end - tailStart);
            if (at >= 128 && end - 128 >= audioStart && tail[(at - 128)..].StartsWith("TAG"u8))
            {
                end -= 128;
            }
            else if (at >= 32 && tail[(at - 32)..].StartsWith("APETAGEX"u8))
            {
                var size = SniffContext.U32LE(tail, at - 32 + 12);
                var header = (SniffContext.U32LE(tail, at - 32 + 20) & 0x80000000) != 0 ? 32 : 0;
                if (size < 32 || size + header > MaxTrailingTagBytes || end - size - header < audioStart)
                {
                    return SniffContext.Detected(type, $"The file's APE tag at its end is damaged or over {MaxTrailingTagBytes / 1024 / 1024} MiB. Re-save its tags with an ordinary tagger and upload that.");
                }

                var itemsAt = end - size;
                if (!context.TryRead(itemsAt, (int)size - 32, out var items, out missing, 0))
                {
                    return missing ?? SniffContext.Detected(type, "The file's APE tag at its end is damaged.");
                }

                if (ApeItems(context, type, items.Span, itemsAt) is { } verdict)
                {
                    return verdict;
                }

                end = itemsAt - header;
            }
            else if (at >= 15 && tail[(at - 9)..].StartsWith("LYRICS200"u8) && int.TryParse(tail.Slice(at - 15, 6), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var lyrics)
                && at - 15 - lyrics >= 0 && tail[(at - 15 - lyrics)..].StartsWith("LYRICSBEGIN"u8))
            {
                end -= 15 + lyrics;
            }
            else if (at >= 20 && tail[(at - 10)..].StartsWith("3DI"u8))
            {
                var f = tail[(at - 10)..];
                var size = (f[6] << 21) | (f[7] << 14) | (f[8] << 7) | f[9];
                var tagAt = end - 20 - size;
                if (tagAt < audioStart || !context.TryRead(tagAt, 10, out var tagHeader, out missing, ContentSniffer.WalkReadBytes))
                {
                    return missing ?? SniffContext.Detected(type, "The file's ID3 tag at its end is damaged.");
                }

                if (Id3.Check(context, type, tagAt, tagHeader.Span) is { } verdict)
                {
                    return verdict;
                }

                end = tagAt;
            }
            else
            {
                break;
            }
        }

        if (end <= audioStart)
        {
            return SniffContext.Detected(type);
        }

        var windowStart = Math.Max(audioStart, end - ChainWindowBytes);
        if (!context.TryRead(windowStart, (int)(end - windowStart), out var windowMemory, out missing, 0))
        {
            return missing ?? SniffContext.Detected(type);
        }

        var window = windowMemory.Span;
        var chainEnd = Chain(context.Budget, window, framing, wholeStream: windowStart == audioStart);
        if (chainEnd == window.Length)
        {
            return SniffContext.Detected(type);
        }

        var stop = windowStart + Math.Max(0, chainEnd);
        string? found = Carried.Identify(window[Math.Max(0, chainEnd)..]);
        if (found is null && Carried.FindZipEnd(tail, context.Budget) >= 0)
        {
            found = "a ZIP archive";
        }

        return SniffContext.Detected(type, Carried.Refusal(found ?? "data after the last audio frame", Carried.At("the bytes after the last audio frame", stop)));
    }

    /// <summary>
    /// Where the frames of <paramref name="window"/> end: its length when a chain of whole frames of one stream (at
    /// least <see cref="FramesToConfirm"/>, or every frame from the start when <paramref name="wholeStream"/>) ends
    /// exactly at its end, else where the first chain of frames stops (0 when none).
    /// </summary>
    private static int Chain(WorkBudget budget, ReadOnlySpan<byte> window, Framing framing, bool wholeStream)
    {
        budget.ChargeBytes(window.Length, 4);
        var headerLength = framing == Framing.Adts ? 7 : 4;
        // count[p]: whole frames of one stream from p that end exactly at the window's end (0: none), filled backwards.
        var count = new int[window.Length + 1];
        var keys = new int[window.Length + 1];
        var next = new int[window.Length + 1];
        for (var p = window.Length - headerLength; p >= 0; p--)
        {
            next[p] = -1;
            var valid = framing == Framing.Adts ? TryAdts(window[p..], out var length, out var key) : TryMpeg(window[p..], out length, out key);
            if (!valid || p + length > window.Length)
            {
                continue;
            }

            next[p] = p + length;
            keys[p] = key;
            var q = p + length;
            count[p] = q == window.Length ? 1 : count[q] > 0 && keys[q] == key ? count[q] + 1 : 0;
        }

        if (wholeStream)
        {
            if (window.Length >= headerLength && count[0] > 0)
            {
                return window.Length;
            }
        }
        else
        {
            for (var p = 0; p < window.Length; p++)
            {
                if (count[p] >= FramesToConfirm)
                {
                    return window.Length;
                }
            }
        }

        // Where the frames stop: follow the first chain of frames from the window's start.
        for (var p = 0; p < window.Length - headerLength; p++)
        {
            if (next[p] > 0)
            {
                var q = p;
                while (next[q] > 0 && next[q] <= window.Length - headerLength && next[next[q]] > 0 && keys[next[q]] == keys[q])
                {
                    budget.Charge(WorkCost.Node);
                    q = next[q];
                }

                return next[q] > 0 ? next[q] : q;
            }

            if (wholeStream)
            {
                break;
            }
        }

        return 0;
    }

    /// <summary>The items of an APE tag: a binary item (cover art) must not carry another file.</summary>
    private static SniffOutcome.Detected? ApeItems(SniffContext context, string type, ReadOnlySpan<byte> items, long itemsAt)
    {
        var at = 0;
        while (at + 8 < items.Length)
        {
            context.Budget.Charge(WorkCost.Node);
            var length = SniffContext.U32LE(items, at);
            var flags = SniffContext.U32LE(items, at + 4);
            var keyEnd = items[(at + 8)..].IndexOf((byte)0);
            if (keyEnd < 0 || length > (uint)(items.Length - at - 8 - keyEnd - 1))
            {
                return SniffContext.Detected(type, "The file's APE tag at its end is damaged.");
            }

            var value = items.Slice(at + 8 + keyEnd + 1, (int)length);
            context.Budget.ChargeBytes(Math.Min(value.Length, StructureWalk.PeekBytes));
            if (((flags >> 1) & 3) == 1)
            {
                // Binary: cover art is a file name, a zero, then the picture.
                var zero = value[..Math.Min(value.Length, 256)].IndexOf((byte)0);
                var data = zero >= 0 ? value[(zero + 1)..] : value;
                if (Carried.Identify(data) is { } found)
                {
                    return SniffContext.Detected(type, Carried.Refusal(found, Carried.At("an APE tag item", itemsAt + at)));
                }
            }

            at += 8 + keyEnd + 1 + (int)length;
        }

        return null;
    }

    private static SniffOutcome? Confirm(SniffContext context, long start, Framing framing)
    {
        var headerLength = framing == Framing.Adts ? 7 : 4;
        var position = start;
        var frames = 0;
        var key = -1;
        var endedCleanly = false;
        while (frames < FramesToConfirm)
        {
            context.Budget.Charge(WorkCost.Node);
            if (context.Total is { } total && position == total)
            {
                endedCleanly = true;
                break;
            }

            if (!context.TryRead(position, headerLength, out var headerMemory, out var missing))
            {
                if (missing is not null)
                {
                    return missing;
                }

                // A partial header at the end: a truncated file.
                break;
            }

            var header = headerMemory.Span;
            if (frames > 0 && (header.StartsWith("TAG"u8) || header.StartsWith("APET"u8) || header.StartsWith("LYRI"u8)))
            {
                endedCleanly = true; // ID3v1, APE or Lyrics3 tag at the end
                break;
            }

            var valid = framing == Framing.Adts
                ? TryAdts(header, out var length, out var frameKey)
                : TryMpeg(header, out length, out frameKey);
            if (!valid || (key >= 0 && frameKey != key))
            {
                return null;
            }

            key = frameKey;
            frames++;
            position += length;
        }

        var confirmed = frames >= FramesToConfirm || (endedCleanly && frames >= 1) || frames >= 2;
        return confirmed ? SniffContext.Detected(framing == Framing.Adts ? MediaTypes.Aac : MediaTypes.Mpeg) : null;
    }

    internal static bool TryMpeg(ReadOnlySpan<byte> h, out int length, out int key)
    {
        length = 0;
        key = 0;
        if (h[0] != 0xFF || (h[1] & 0xE0) != 0xE0)
        {
            return false;
        }

        var version = (h[1] >> 3) & 3; // 0: MPEG-2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
        var layer = (h[1] >> 1) & 3; // 1: III, 2: II, 3: I
        var bitrateIndex = h[2] >> 4;
        var rateIndex = (h[2] >> 2) & 3;
        var padding = (h[2] >> 1) & 1;
        if (version == 1 || layer == 0 || bitrateIndex is 0 or 15 || rateIndex == 3 || (h[3] & 3) == 2)
        {
            return false;
        }

        var table = version == 3 ? 3 - layer : layer == 3 ? 3 : 4;
        var bitrate = Bitrates[table][bitrateIndex] * 1000;
        var rate = SampleRates[version][rateIndex];
        length = layer switch
        {
            3 => ((12 * bitrate / rate) + padding) * 4,
            1 when version != 3 => (72 * bitrate / rate) + padding,
            _ => (144 * bitrate / rate) + padding,
        };
        key = ((h[1] & 0xFE) << 8) | (h[2] & 0x0C);
        return length >= 4;
    }

    internal static bool TryAdts(ReadOnlySpan<byte> h, out int length, out int key)
    {
        length = 0;
        key = 0;
        if (h[0] != 0xFF || (h[1] & 0xF6) != 0xF0)
        {
            return false;
        }

        var protectionAbsent = h[1] & 1;
        var profile = h[2] >> 6;
        var rateIndex = (h[2] >> 2) & 0x0F;
        var channels = ((h[2] & 1) << 2) | (h[3] >> 6);
        length = ((h[3] & 3) << 11) | (h[4] << 3) | (h[5] >> 5);
        if (rateIndex >= AdtsRates.Length || length < (protectionAbsent == 1 ? 7 : 9))
        {
            return false;
        }

        key = ((h[1] & 0x08) << 8) | (profile << 8) | (rateIndex << 4) | channels;
        return true;
    }
}
