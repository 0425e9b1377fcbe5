using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Uploads.Client;

namespace Uploads.Cli;

/// <summary>
/// What a <c>put</c> prints. On a terminal: a live display (<see cref="Live"/>). Redirected (a log, CI): plain lines,
/// progress on standard error at most one per file per 10 %, one tab-separated line per file on standard output in
/// the order named, the summary on standard error. With <c>--json</c>: one JSON object per file on standard output in
/// the order named, then <c>{"summary":{...}}</c>, and nothing else.
/// </summary>
internal abstract partial class ProgressDisplay : IDisposable
{
    public static ProgressDisplay Create(bool json, IReadOnlyList<TransferMeter> meters) =>
        json ? new JsonLines(meters.Count)
        : Live.IsAvailable ? new Live(meters)
        : new PlainLines(meters.Count);

    /// <summary>Where the client reports a file's progress.</summary>
    public virtual IProgress<UploadProgress> For(TransferMeter meter) => meter;

    /// <summary>A file's outcome is known (once per file, from any thread).</summary>
    public abstract void Done(TransferMeter meter, FileOutcome outcome);

    /// <summary>Every file is done: the closing lines.</summary>
    public abstract void Complete(IReadOnlyList<FileOutcome> outcomes, RunSummary summary);

    public virtual void Dispose() => GC.SuppressFinalize(this);

    /// <summary>Writes outcomes in the order the files were named, each as soon as those before it are written.</summary>
    private sealed class InOrder(int count, Action<FileOutcome> write)
    {
        private readonly Lock _lock = new();
        private readonly FileOutcome?[] _outcomes = new FileOutcome?[count];
        private int _next;

        public void Add(int index, FileOutcome outcome)
        {
            lock (_lock)
            {
                _outcomes[index] = outcome;
                while (_next < _outcomes.Length && _outcomes[_next] is { } ready)
                {
                    write(ready);
                    _next++;
                }
            }
        }
    }

    private sealed class JsonLines(int count) : ProgressDisplay
    {
        private readonly InOrder _lines = new(count, o => Console.WriteLine(JsonSerializer.Serialize(o, CliJsonContext.Default.FileOutcome)));

        public override void Done(TransferMeter meter, FileOutcome outcome) => _lines.Add(meter.Index, outcome);

        public override void Complete(IReadOnlyList<FileOutcome> outcomes, RunSummary summary) =>
            Console.WriteLine(JsonSerializer.Serialize(new SummaryLine(summary), CliJsonContext.Default.SummaryLine));
    }

    private sealed class PlainLines(int count) : ProgressDisplay
    {
        private readonly ConcurrentDictionary<int, int> _printed = new();
        private readonly InOrder _lines = new(count, o => Console.WriteLine(
            $"{o.File}\t{o.Status}\t{o.BlobPath}{(o.Reason ?? o.Error) switch { null => string.Empty, var why => "\t" + why }}"));

        public override IProgress<UploadProgress> For(TransferMeter meter) => new Callback(p =>
        {
            meter.Report(p);
            var tenth = meter.TotalBytes == 0 ? 10 : (int)(meter.StoredBytes * 10 / meter.TotalBytes);
            if (Changed(meter.Index, tenth))
            {
                Console.Error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{meter.File}: {tenth * 10}% ({meter.StoredBytes / 1048576.0:0.0} of {meter.TotalBytes / 1048576.0:0.0} MiB, {meter.BytesPerSecond / 1048576.0:0.0} MiB/s)"));
            }
        });

        /// <summary>
        /// The file's status word on standard error; its reason is printed once, by its line on standard output (both
        /// streams show in a terminal, so a reason here would be printed twice).
        /// </summary>
        public override void Done(TransferMeter meter, FileOutcome outcome)
        {
            Console.Error.WriteLine($"{meter.File}: {(outcome.Status == "pending" ? "uploaded, verification pending" : outcome.Status)}");
            _lines.Add(meter.Index, outcome);
        }

        public override void Complete(IReadOnlyList<FileOutcome> outcomes, RunSummary summary) => Console.Error.WriteLine(summary.Describe());

        private bool Changed(int file, int tenth)
        {
            var changed = false;
            _printed.AddOrUpdate(file, _ => { changed = true; return tenth; }, (_, last) => { changed = tenth > last; return Math.Max(last, tenth); });
            return changed;
        }

        /// <summary>Calls back on the reporting thread, in order (<see cref="Progress{T}"/> would post to the thread pool).</summary>
        private sealed class Callback(Action<UploadProgress> report) : IProgress<UploadProgress>
        {
            public void Report(UploadProgress value) => report(value);
        }
    }
}
