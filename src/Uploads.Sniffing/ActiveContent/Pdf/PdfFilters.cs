using System.Buffers;
using System.IO.Compression;

namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// The stream filters the scanner decodes (ISO 32000-2 §7.4): FlateDecode (zlib, or raw deflate when the zlib header
/// is missing), LZWDecode, ASCIIHexDecode, ASCII85Decode and RunLengthDecode, chained in the order the stream's
/// <c>/Filter</c> array names them, without predictors. Every stage writes at most a given number of bytes: more is
/// <see cref="Result.TooLarge"/>, never a bigger buffer. Every stage charges the check's budget for the bytes it reads
/// (<see cref="WorkCost.ScanByte"/>) and, before writing them, for the bytes it writes (<see cref="WorkCost.DecodedByte"/>).
/// </summary>
internal static class PdfFilters
{
    /// <summary>Bytes written between two charges by the byte-at-a-time decoders (ASCIIHex, ASCII85, RunLength).</summary>
    private const int ChargeEvery = 4096;

    public enum Result
    {
        Ok,
        TooLarge,
        Damaged,
    }

    /// <summary>The filter's canonical name when it is one of those decoded (abbreviations of inline images too), else null.</summary>
    public static string? Canonical(string name) => name switch
    {
        "FlateDecode" or "Fl" => "FlateDecode",
        "LZWDecode" or "LZW" => "LZWDecode",
        "ASCIIHexDecode" or "AHx" => "ASCIIHexDecode",
        "ASCII85Decode" or "A85" => "ASCII85Decode",
        "RunLengthDecode" or "RL" => "RunLengthDecode",
        _ => null,
    };

    /// <summary>Decodes one stage into <paramref name="output"/>, writing at most <paramref name="cap"/> bytes, charging <paramref name="budget"/>.</summary>
    public static Result Decode(string filter, ArraySegment<byte> input, int cap, bool earlyChange, MemoryStream output, WorkBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        budget.ChargeBytes(input.Count);
        return filter switch
        {
            "FlateDecode" => Inflate(input, cap, output, budget),
            "LZWDecode" => Lzw(input, cap, earlyChange, output, budget),
            "ASCIIHexDecode" => AsciiHex(input, cap, output, budget),
            "ASCII85Decode" => Ascii85(input, cap, output, budget),
            "RunLengthDecode" => RunLength(input, cap, output, budget),
            _ => Result.Damaged,
        };
    }

    /// <summary>Charges the bytes written since <paramref name="charged"/> once they are <see cref="ChargeEvery"/> or more (or <paramref name="all"/>).</summary>
    private static void ChargeWritten(MemoryStream output, ref long charged, WorkBudget budget, bool all = false)
    {
        var written = output.Length - charged;
        if (written >= ChargeEvery || (all && written > 0))
        {
            budget.ChargeBytes(written, WorkCost.DecodedByte);
            charged = output.Length;
        }
    }

    private static Result Inflate(ArraySegment<byte> input, int cap, MemoryStream output, WorkBudget budget)
    {
        var span = input.AsSpan();
        var raw = span.Length < 2 || (((span[0] << 8) | span[1]) % 31 != 0) || (span[0] & 0x0F) != 8;

        // Pooled: a file of many small streams would otherwise allocate a buffer for each.
        var size = Math.Min(64 * 1024, cap + 1);
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            using var source = new MemoryStream(input.Array!, input.Offset, input.Count, writable: false);
            using Stream inflater = raw ? new DeflateStream(source, CompressionMode.Decompress) : new ZLibStream(source, CompressionMode.Decompress);
            int read;
            while ((read = inflater.Read(buffer, 0, size)) > 0)
            {
                budget.ChargeBytes(read, WorkCost.DecodedByte);
                var room = cap - (int)output.Length;
                output.Write(buffer, 0, Math.Min(read, room));
                if (read > room)
                {
                    return Result.TooLarge;
                }
            }

            return Result.Ok;
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException)
        {
            return Result.Damaged;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>LZW with 9- to 12-bit codes, most significant bit first; 256 clears the table, 257 ends the data.</summary>
    private static Result Lzw(ArraySegment<byte> segment, int cap, bool earlyChange, MemoryStream output, WorkBudget budget)
    {
        var input = segment.AsSpan();
        const int Clear = 256;
        const int End = 257;
        var prefix = new short[4096];
        var suffix = new byte[4096];
        var lengths = new short[4096];
        for (var i = 0; i < 256; i++)
        {
            suffix[i] = (byte)i;
            lengths[i] = 1;
        }

        var scratch = new byte[4096];
        var next = 258;
        var width = 9;
        var previous = -1;
        long bits = 0;
        var held = 0;
        var at = 0;
        while (true)
        {
            while (held < width && at < input.Length)
            {
                bits = (bits << 8) | input[at++];
                held += 8;
            }

            if (held < width)
            {
                return Result.Ok;
            }

            var code = (int)((bits >> (held - width)) & ((1 << width) - 1));
            held -= width;
            if (code == Clear)
            {
                next = 258;
                width = 9;
                previous = -1;
                continue;
            }

            if (code == End)
            {
                return Result.Ok;
            }

            int first;
            if (code < next && (code < 256 || code > End))
            {
                first = Emit(code);
            }
            else if (code == next && previous >= 0)
            {
                // The code being defined: the previous string and its own first byte.
                var start = Emit(previous);
                budget.ChargeBytes(1, WorkCost.DecodedByte);
                if (output.Length >= cap)
                {
                    return Result.TooLarge;
                }

                output.WriteByte((byte)start);
                first = start;
            }
            else
            {
                return Result.Damaged;
            }

            if (first < 0)
            {
                return Result.TooLarge;
            }

            if (previous >= 0 && next < 4096)
            {
                prefix[next] = (short)previous;
                suffix[next] = (byte)first;
                lengths[next] = (short)(lengths[previous] + 1);
                next++;
            }

            previous = code;
            if (next + (earlyChange ? 1 : 0) >= (1 << width) && width < 12)
            {
                width++;
            }
        }

        // Writes the string of a code; its first byte, or -1 when the cap is reached.
        int Emit(int code)
        {
            var length = lengths[code];
            budget.ChargeBytes(length, WorkCost.DecodedByte);
            for (int i = length - 1, c = code; i >= 0; i--, c = prefix[c])
            {
                scratch[i] = suffix[c];
            }

            var room = cap - (int)output.Length;
            output.Write(scratch, 0, Math.Min(length, room));
            return length > room ? -1 : scratch[0];
        }
    }

    private static Result AsciiHex(ArraySegment<byte> input, int cap, MemoryStream output, WorkBudget budget)
    {
        var high = -1;
        long charged = 0;
        foreach (var c in input.AsSpan())
        {
            if (c == '>')
            {
                break;
            }

            if (PdfParser.IsWhiteSpace(c))
            {
                continue;
            }

            var digit = HexDigit(c);
            if (digit < 0)
            {
                return Result.Damaged;
            }

            if (high < 0)
            {
                high = digit;
                continue;
            }

            if (output.Length >= cap)
            {
                return Result.TooLarge;
            }

            output.WriteByte((byte)((high << 4) | digit));
            ChargeWritten(output, ref charged, budget);
            high = -1;
        }

        ChargeWritten(output, ref charged, budget, all: true);

        if (high >= 0)
        {
            if (output.Length >= cap)
            {
                return Result.TooLarge;
            }

            output.WriteByte((byte)(high << 4));
        }

        return Result.Ok;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static Result Ascii85(ArraySegment<byte> segment, int cap, MemoryStream output, WorkBudget budget)
    {
        var input = segment.AsSpan();
        var group = new byte[4];
        long value = 0;
        var count = 0;
        long charged = 0;
        var start = input.StartsWith("<~"u8) ? 2 : 0;
        for (var i = start; i < input.Length; i++)
        {
            var c = input[i];
            if (c == '~')
            {
                break;
            }

            if (PdfParser.IsWhiteSpace(c))
            {
                continue;
            }

            if (c == 'z' && count == 0)
            {
                if (output.Length + 4 > cap)
                {
                    return Result.TooLarge;
                }

                ChargeWritten(output, ref charged, budget);
                output.Write([0, 0, 0, 0]);
                continue;
            }

            if (c is < (byte)'!' or > (byte)'u')
            {
                return Result.Damaged;
            }

            value = (value * 85) + (c - '!');
            if (++count < 5)
            {
                continue;
            }

            if (value > uint.MaxValue)
            {
                return Result.Damaged;
            }

            if (Write(4) is { } full)
            {
                return full;
            }

            value = 0;
            count = 0;
        }

        if (count == 1)
        {
            return Result.Damaged;
        }

        if (count > 1)
        {
            // A final partial group: padded with 'u' (84), and count - 1 bytes kept.
            for (var pad = count; pad < 5; pad++)
            {
                value = (value * 85) + 84;
            }

            if (value > uint.MaxValue)
            {
                return Result.Damaged;
            }

            return Write(count - 1) ?? Result.Ok;
        }

        return Result.Ok;

        Result? Write(int bytes)
        {
            if (output.Length + bytes > cap)
            {
                return Result.TooLarge;
            }

            ChargeWritten(output, ref charged, budget, all: bytes < 4);

            group[0] = (byte)(value >> 24);
            group[1] = (byte)(value >> 16);
            group[2] = (byte)(value >> 8);
            group[3] = (byte)value;
            output.Write(group, 0, bytes);
            return null;
        }
    }

    private static Result RunLength(ArraySegment<byte> segment, int cap, MemoryStream output, WorkBudget budget)
    {
        var input = segment.AsSpan();
        var at = 0;
        long charged = 0;
        while (at < input.Length)
        {
            var length = input[at++];
            if (length == 128)
            {
                break;
            }

            if (length < 128)
            {
                var count = Math.Min(length + 1, input.Length - at);
                if (output.Length + count > cap)
                {
                    return Result.TooLarge;
                }

                ChargeWritten(output, ref charged, budget);
                output.Write(input.Slice(at, count));
                at += count;
                continue;
            }

            if (at >= input.Length)
            {
                return Result.Damaged;
            }

            var repeat = 257 - length;
            if (output.Length + repeat > cap)
            {
                return Result.TooLarge;
            }

            ChargeWritten(output, ref charged, budget);
            var value = input[at++];
            for (var i = 0; i < repeat; i++)
            {
                output.WriteByte(value);
            }
        }

        ChargeWritten(output, ref charged, budget, all: true);
        return Result.Ok;
    }
}
