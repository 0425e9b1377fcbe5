using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing;

/// <summary>
/// Decides what a file really is from its bytes (magic numbers and structure), asking for as few bytes as it can.
/// See docs/sniffing.md for the formats, the traps and the bounds.
/// </summary>
public static class ContentSniffer
{
    /// <summary>How much of the head a caller should supply up front; the sniffer asks for more via <see cref="SniffOutcome.NeedBytes"/>.</summary>
    public const int HeadBytes = 64 * 1024;

    /// <summary>The usual size of a further range the sniffer asks for.</summary>
    public const int ChunkBytes = 64 * 1024;

    /// <summary>The largest single range the sniffer ever asks for.</summary>
    public const int MaxRangeBytes = 1024 * 1024;

    /// <summary>How many bytes from the end a ZIP needs first (the End Of Central Directory record, its comment, the zip64 locator).</summary>
    public const int ZipTailBytes = 22 + 65535 + 20;

    /// <summary>How many bytes from the end are checked for text besides the head.</summary>
    public const int TextTailBytes = 64 * 1024;

    /// <summary>An SVG is scanned whole for active content; a larger one is refused.</summary>
    public const int MaxSvgBytes = 4 * 1024 * 1024;

    /// <summary>The largest ZIP central directory read; a larger one is refused.</summary>
    public const int MaxZipDirectoryBytes = 1024 * 1024;

    /// <summary><see cref="SniffAsync"/> gives up after this many range reads (the head included), plus a structure walk's allowance (<see cref="MaxReads"/>).</summary>
    public const int MaxRounds = 32;

    /// <summary><see cref="SniffAsync"/> reads at most this many bytes in all, plus a structure walk's allowance (<see cref="MaxReadBytes"/>).</summary>
    public const long MaxTotalReadBytes = 8L * 1024 * 1024;

    /// <summary>
    /// A structure walk (the top-level boxes of an MP4, the elements of a Matroska segment) may make one more read per
    /// this many bytes of the file: a 1 GiB file up to 16,384 more reads, a real one a read per cluster (docs/measurements.md).
    /// </summary>
    public const int WalkBytesPerRead = 64 * 1024;

    /// <summary>What a structure walk asks for when an element's header is not held: the header and what follows it.</summary>
    public const int WalkReadBytes = 4 * 1024;

    /// <summary>The range reads a check of a file of <paramref name="totalLength"/> bytes may make: <see cref="MaxRounds"/> and a structure walk's allowance.</summary>
    public static int MaxReads(long totalLength) =>
        MaxRounds + (int)Math.Min(int.MaxValue / 2, Math.Max(0, totalLength) / WalkBytesPerRead);

    /// <summary>The bytes a check of a file of <paramref name="totalLength"/> bytes may read: <see cref="MaxTotalReadBytes"/> and <see cref="WalkReadBytes"/> per walk read allowed.</summary>
    public static long MaxReadBytes(long totalLength) =>
        MaxTotalReadBytes + ((long)(MaxReads(totalLength) - MaxRounds) * WalkReadBytes);

    /// <summary>
    /// Pure and synchronous: decides from what <paramref name="input"/> holds, or says which range is needed next.
    /// Never throws on any content, never reads outside the segments it was given.
    /// </summary>
    internal static SniffOutcome Evaluate(SniffInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            using var working = input.Budget.Enter();
            // Each evaluation is a round (a range read or a pass of the stream): its fixed cost is charged.
            input.Budget.Charge(WorkCost.Round);
            return EvaluateCore(input);
        }
        catch (WorkBudgetExceededException exceeded)
        {
            return new SniffOutcome.Detected(MediaTypes.OctetStream, exceeded.Refusal);
        }
#pragma warning disable CA1031 // Defence in depth: a bug on hostile input must refuse the file, not fail the request. Fuzz tests call EvaluateCore to see such bugs. Cancellation is no verdict: it propagates.
        catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
        {
            return new SniffOutcome.Detected(MediaTypes.OctetStream, "The file could not be analysed.");
        }
    }

    /// <summary>The evaluation without the safety net (tests and fuzzing call it so that a bug shows).</summary>
    internal static SniffOutcome EvaluateCore(SniffInput input)
    {
        var total = input.TotalLength;
        if (total == 0)
        {
            return new SniffOutcome.Detected(MediaTypes.Empty, null);
        }

        var want = total is { } t ? (int)Math.Min(HeadBytes, t) : HeadBytes;
        var held = input.ContiguousLength(0, want);
        if (held < want)
        {
            return new SniffOutcome.NeedBytes(new ByteRange(held, want - held));
        }

        input.TryGet(new ByteRange(0, want), out var head);
        var context = new SniffContext(input, head);

        return Signatures.Detect(context)
            ?? Markup.Detect(context)
            ?? Text.Detect(context)
            ?? new SniffOutcome.Detected(MediaTypes.OctetStream, null);
    }

    /// <summary>
    /// Convenience loop for random-access sources (storage range reads, files, byte arrays): fetches what
    /// <see cref="Evaluate"/> asks for, with at most <see cref="MaxReads"/> reads and <see cref="MaxReadBytes"/> bytes.
    /// A source that returns fewer bytes than asked (the file shrank) or a budget exhausted gives a refusal.
    /// Exceptions of <paramref name="readRange"/> propagate.
    /// </summary>
    public static ValueTask<SniffOutcome.Detected> SniffAsync(
        Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> readRange,
        long totalLength,
        CancellationToken cancellationToken = default) =>
        SniffAsync(readRange, totalLength, ActiveContentKinds.None, null, cancellationToken);

    /// <summary>
    /// As <see cref="SniffAsync(Func{ByteRange, CancellationToken, ValueTask{ReadOnlyMemory{byte}}}, long, CancellationToken)"/>,
    /// allowing the active-content categories in <paramref name="allowedActiveContent"/>. A format whose active content
    /// may lie anywhere (PDF) is then read whole, front to back, in ranges of <see cref="ActiveContentScanner.ChunkBytes"/>
    /// (a separate read budget: at most <see cref="ActiveContentScanner.MaxScanBytes"/>). All the work is charged to one
    /// <see cref="WorkBudget"/>: <paramref name="budget"/>, or by default the budget of a file of
    /// <paramref name="totalLength"/> bytes bound to <paramref name="cancellationToken"/>. A spent budget refuses the file.
    /// </summary>
    public static ValueTask<SniffOutcome.Detected> SniffAsync(
        Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> readRange,
        long totalLength,
        ActiveContentKinds allowedActiveContent,
        WorkBudget? budget = null,
        CancellationToken cancellationToken = default) =>
        SniffAsync(readRange, totalLength, allowedActiveContent, ImagePixels.DefaultMax, budget, cancellationToken);

    /// <summary>
    /// As <see cref="SniffAsync(Func{ByteRange, CancellationToken, ValueTask{ReadOnlyMemory{byte}}}, long, ActiveContentKinds, WorkBudget, CancellationToken)"/>,
    /// holding images to <paramref name="maxImagePixels"/> (<see cref="ImagePixels"/>): an image (PNG, JPEG, GIF, WebP) is
    /// read whole too, its structure walked to its end (docs/sniffing.md, "Files inside files: images and RIFF").
    /// </summary>
    public static async ValueTask<SniffOutcome.Detected> SniffAsync(
        Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> readRange,
        long totalLength,
        ActiveContentKinds allowedActiveContent,
        long maxImagePixels,
        WorkBudget? budget = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readRange);
        ArgumentOutOfRangeException.ThrowIfNegative(totalLength);
        budget ??= WorkBudget.ForFile(totalLength, cancellationToken: cancellationToken);
        var input = new SniffInput(totalLength) { AllowedActiveContent = allowedActiveContent, Budget = budget };
        var detected = await DetectAsync(readRange, input, cancellationToken).ConfigureAwait(false);
        if (ActiveContentScanner.For(detected, allowedActiveContent, budget, maxImagePixels) is not { } scanner
            || (scanner is ActiveContent.Images.ImageStructureScanner && totalLength > ActiveContentScanner.MaxImageWalkBytes))
        {
            return detected;
        }

        if (totalLength > ActiveContentScanner.MaxScanBytes)
        {
            return new(detected.MediaType, $"The file is too large to be checked for active content (over {ActiveContentScanner.MaxScanBytes / 1024 / 1024} MiB).");
        }

        // The head is held already; the rest is read in order.
        var held = input.ContiguousLength(0, (int)Math.Min(totalLength, HeadBytes));
        if (held > 0 && input.TryGet(new ByteRange(0, held), out var head))
        {
            scanner.Write(head.Span);
        }

        for (long offset = held; offset < totalLength;)
        {
            var length = (int)Math.Min(ActiveContentScanner.ChunkBytes, totalLength - offset);
            var data = await readRange(new ByteRange(offset, length), cancellationToken).ConfigureAwait(false);
            if (data.Length < length)
            {
                return new SniffOutcome.Detected(MediaTypes.OctetStream, "The file changed or could not be read while it was being checked.");
            }

            scanner.Write(data.Span[..length]);
            offset += length;
        }

        return scanner.Complete();
    }

    private static async ValueTask<SniffOutcome.Detected> DetectAsync(
        Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> readRange,
        SniffInput input,
        CancellationToken cancellationToken)
    {
        var totalLength = input.TotalLength!.Value;
        long bytesRead = 0;
        var maxReads = MaxReads(totalLength);
        var maxBytes = MaxReadBytes(totalLength);
        for (var round = 0; round <= maxReads; round++)
        {
            var outcome = Evaluate(input);
            if (outcome is SniffOutcome.Detected detected)
            {
                return detected;
            }

            var range = ((SniffOutcome.NeedBytes)outcome).Range;
            if (round == maxReads || bytesRead + range.Length > maxBytes || range.Offset < 0 || range.End > totalLength)
            {
                break;
            }

            var data = await readRange(range, cancellationToken).ConfigureAwait(false);
            if (data.Length < range.Length)
            {
                return new SniffOutcome.Detected(MediaTypes.OctetStream, "The file changed or could not be read while it was being checked.");
            }

            input.Add(range.Offset, data[..range.Length]);
            bytesRead += range.Length;
        }

        return new SniffOutcome.Detected(MediaTypes.OctetStream, "The file's structure needs too many reads to be checked.");
    }
}
