using System.Diagnostics;

namespace Uploads.Client;

/// <summary>
/// The one place a block upload reports its progress: bytes storage acknowledged (resumed ones included) and the
/// rate of this run's bytes. Reports are made one at a time, in order, so the bytes reported never decrease; the
/// last one is the file's size.
/// </summary>
internal sealed class BlockProgress
{
    private readonly Lock _lock = new();
    private readonly Stopwatch _stopwatch = Stopwatch.StartNew();
    private readonly string _file;
    private readonly long _totalBytes;
    private readonly long _resumedBytes;
    private readonly IProgress<UploadProgress>? _progress;
    private long _stored;
    private long _sentThisRun;

    /// <summary>Reports the bytes an earlier run stored (0 for a new upload), at a rate of 0.</summary>
    public BlockProgress(string file, long totalBytes, long resumedBytes, IProgress<UploadProgress>? progress)
    {
        _file = file;
        _totalBytes = totalBytes;
        _resumedBytes = resumedBytes;
        _progress = progress;
        _stored = resumedBytes;
        progress?.Report(new UploadProgress(file, resumedBytes, totalBytes, 0, resumedBytes));
    }

    /// <summary>A block of <paramref name="bytes"/> this run stored.</summary>
    public void Stored(long bytes)
    {
        lock (_lock)
        {
            _stored += bytes;
            _sentThisRun += bytes;
            _progress?.Report(new UploadProgress(_file, _stored, _totalBytes, _sentThisRun / Math.Max(_stopwatch.Elapsed.TotalSeconds, 1e-3), _resumedBytes));
        }
    }
}
