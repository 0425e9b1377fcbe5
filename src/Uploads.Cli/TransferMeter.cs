using System.Diagnostics;
using Uploads.Client;

namespace Uploads.Cli;

/// <summary>Where one file of a <c>put</c> is: waiting its turn, being sent, waiting for its verdict, or finished.</summary>
internal enum TransferPhase
{
    Queued,
    Sending,
    Verifying,
    Finished,
}

/// <summary>
/// One file's transfer as the client reports it: bytes storage holds, of which bytes this run sent (the rate and the
/// ETA count only those: the blocks a resumed upload found stored were not sent now), and how long it has run.
/// Reports come from the block tasks in any order; the meter keeps the furthest.
/// </summary>
internal sealed class TransferMeter(string file, int index, long sizeBytes) : IProgress<UploadProgress>
{
    private readonly Lock _lock = new();
    private long _started;
    private long _ended;

    /// <summary>The file as named on the command line or found by a pattern or directory walk.</summary>
    public string File { get; } = file;

    /// <summary>Its place in the run (arguments order): <c>--json</c> and plain lines keep it.</summary>
    public int Index { get; } = index;

    /// <summary>The file's size (0 when it is missing): the overall bar's share.</summary>
    public long TotalBytes { get; private set; } = sizeBytes;

    /// <summary>Bytes storage acknowledged, resumed ones included.</summary>
    public long StoredBytes { get; private set; }

    /// <summary>Bytes a previous run had stored already (a resumed presigned upload).</summary>
    public long ResumedBytes { get; private set; }

    /// <summary>Bytes this run sent.</summary>
    public long SentBytes => StoredBytes - ResumedBytes;

    public TransferPhase Phase { get; private set; }

    public void Start()
    {
        lock (_lock)
        {
            _started = Stopwatch.GetTimestamp();
            Phase = TransferPhase.Sending;
        }
    }

    public void Verifying()
    {
        lock (_lock)
        {
            Phase = TransferPhase.Verifying;
        }
    }

    public void Finish()
    {
        lock (_lock)
        {
            _ended = Stopwatch.GetTimestamp();
            Phase = TransferPhase.Finished;
        }
    }

    public void Report(UploadProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_lock)
        {
            if (value.BytesSent < StoredBytes)
            {
                return; // an earlier block's report, overtaken
            }

            TotalBytes = value.TotalBytes;
            StoredBytes = value.BytesSent;
            ResumedBytes = Math.Min(value.BytesResumed, value.BytesSent);
        }
    }

    /// <summary>Time since the file's upload began (to its end once finished).</summary>
    public TimeSpan Elapsed => _started == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_started, _ended == 0 ? Stopwatch.GetTimestamp() : _ended);

    /// <summary>This run's bytes per second, 0 until a byte was sent.</summary>
    public double BytesPerSecond => Rate(SentBytes, Elapsed);

    /// <summary>Time left at this run's rate, null while it is unknown.</summary>
    public TimeSpan? Remaining => Eta(TotalBytes - StoredBytes, BytesPerSecond);

    public static double Rate(long bytes, TimeSpan elapsed) => bytes <= 0 || elapsed <= TimeSpan.Zero ? 0 : bytes / elapsed.TotalSeconds;

    public static TimeSpan? Eta(long remainingBytes, double bytesPerSecond) =>
        remainingBytes <= 0 ? TimeSpan.Zero
        : bytesPerSecond <= 0 ? null
        : TimeSpan.FromSeconds(Math.Min(remainingBytes / bytesPerSecond, TimeSpan.FromHours(99).TotalSeconds));
}
