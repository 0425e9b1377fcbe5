using Uploads.Sniffing.ActiveContent.Images;
using Uploads.Sniffing.ActiveContent.Pdf;

namespace Uploads.Sniffing;

/// <summary>One thing found that makes a file active; <paramref name="Reason"/> says what, in words a person can act on.</summary>
internal sealed record ActiveContentFinding(ActiveContentKinds Kind, string Reason);

/// <summary>
/// The second stage for formats whose active content or carried files may sit anywhere in the file (PDF; the
/// structure walks of PNG, JPEG, GIF and WebP, <see cref="ImageStructureScanner"/>): once
/// <see cref="ContentSniffer.Evaluate"/> has decided the type, the whole file is fed through, front to back, in one
/// pass and bounded memory (never held whole). Both loops drive it: <see cref="ContentSniffer.SniffAsync"/> with
/// sequential range reads of <see cref="ChunkBytes"/>, and a streaming caller with the bytes as they arrive.
/// Formats whose active content is found by random access (DOCX parts, OLE2 storages, SVG) are checked inside
/// <see cref="ContentSniffer.Evaluate"/> itself and need no scanner.
/// </summary>
internal abstract class ActiveContentScanner
{
    /// <summary>The range size <see cref="ContentSniffer.SniffAsync"/> reads a scanned file in.</summary>
    public const int ChunkBytes = 4 * 1024 * 1024;

    /// <summary>The most a scanner reads; a larger file is refused as unverifiable (no allowed type is larger).</summary>
    public const long MaxScanBytes = 128L * 1024 * 1024;

    /// <summary>
    /// The largest image walked (<see cref="ImageStructureScanner"/>) by <see cref="ContentSniffer.SniffAsync(Func{ByteRange, CancellationToken, ValueTask{ReadOnlyMemory{byte}}}, long, ActiveContentKinds, long, WorkBudget, CancellationToken)"/>:
    /// the image category's size limit (<c>UploadPolicy.MaxBytes(ContentCategory.Image)</c>, held equal by a test). A
    /// larger image is not read whole: the size limit refuses it, with its own reason, after the head.
    /// </summary>
    public const long MaxImageWalkBytes = 50L * 1024 * 1024;

    private bool _failed;
    private string? _exceeded;

    private protected ActiveContentScanner(WorkBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        Budget = budget;
    }

    /// <summary>The check's work budget, shared with the type detection before it: every loop of the scan charges it.</summary>
    public WorkBudget Budget { get; }

    /// <summary>The type this scanner checks (the type of its verdicts).</summary>
    private protected abstract string MediaType { get; }

    /// <summary>Bytes written so far.</summary>
    public long Position { get; private set; }

    /// <summary>
    /// The scanner <paramref name="detected"/> needs, or null (not a scanned format, or already refused). Images are
    /// held to <paramref name="maxImagePixels"/> (<see cref="ImagePixels"/>).
    /// </summary>
    public static ActiveContentScanner? For(SniffOutcome.Detected detected, ActiveContentKinds allowed, WorkBudget budget, long maxImagePixels = ImagePixels.DefaultMax)
    {
        ArgumentNullException.ThrowIfNull(detected);
        return detected is not { Refusal: null } ? null : detected.MediaType switch
        {
            MediaTypes.Pdf => new PdfScanner(allowed, budget),
            MediaTypes.Png => new PngScanner(maxImagePixels, budget),
            MediaTypes.Jpeg => new JpegScanner(maxImagePixels, budget),
            MediaTypes.Gif => new GifScanner(maxImagePixels, budget),
            MediaTypes.WebP => new WebPScanner(maxImagePixels, budget),
            _ => null,
        };
    }

    /// <summary>Feeds the next bytes of the file, in order from offset 0. Never throws on content.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        if (_failed)
        {
            return;
        }

        try
        {
            using var working = Budget.Enter();
            WriteCore(data);
        }
        catch (WorkBudgetExceededException exceeded)
        {
            _failed = true;
            _exceeded = exceeded.Refusal;
        }
#pragma warning disable CA1031 // As in ContentSniffer.Evaluate: a bug on hostile input refuses the file (fuzz tests call WriteCore). Cancellation propagates.
        catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
        {
            _failed = true;
        }
        finally
        {
            Position += data.Length;
        }
    }

    /// <summary>The file has ended: the verdict (the scanned type, refused when a finding is not allowed). Never throws on content.</summary>
    public SniffOutcome.Detected Complete()
    {
        if (!_failed)
        {
            try
            {
                using var working = Budget.Enter();
                return CompleteCore();
            }
            catch (WorkBudgetExceededException exceeded)
            {
                _exceeded = exceeded.Refusal;
            }
#pragma warning disable CA1031 // See Write.
            catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
            {
            }
        }

        return _exceeded is { } refusal
            ? new SniffOutcome.Detected(MediaType, refusal)
            : new SniffOutcome.Detected(MediaTypes.OctetStream, "The file could not be analysed.");
    }

    /// <summary>The scan without the safety net (fuzzing calls it so that a bug shows). <see cref="Position"/> is the offset of <paramref name="data"/>.</summary>
    internal abstract void WriteCore(ReadOnlySpan<byte> data);

    internal abstract SniffOutcome.Detected CompleteCore();
}
