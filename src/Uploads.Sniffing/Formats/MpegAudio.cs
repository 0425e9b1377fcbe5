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
        return Confirm(context, start, framing);
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
