using System.Collections.Concurrent;
using Spectre.Console;
using Uploads.Client;

namespace Uploads.Cli;

/// <summary>
/// Progress of a <c>put</c>: live bars per file and overall (rate, ETA) on a terminal; plain lines on standard
/// error when output is redirected (a log, CI), at most one per file per 10 %; nothing with <c>--json</c>.
/// </summary>
internal abstract class ProgressDisplay : IDisposable
{
    public static ProgressDisplay Create(bool json, IReadOnlyList<string> files) =>
        json ? new Silent()
        : Console.IsOutputRedirected || Console.IsErrorRedirected || !AnsiConsole.Profile.Capabilities.Interactive ? new PlainLines()
        : new Live(files);

    public abstract IProgress<UploadProgress> For(string file);

    /// <summary>
    /// Ends a file's progress with its status word only: the reason of a rejection or failure is printed once, by the
    /// summary line on standard output (both streams show in a terminal, so a reason here would be printed twice).
    /// </summary>
    public abstract void Done(string file, string message);

    public virtual void Complete()
    {
    }

    public virtual void Dispose() => GC.SuppressFinalize(this);

    /// <summary>Calls back on the reporting thread, in order (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class Callback(Action<UploadProgress> report) : IProgress<UploadProgress>
    {
        public void Report(UploadProgress value) => report(value);
    }

    private sealed class Silent : ProgressDisplay
    {
        public override IProgress<UploadProgress> For(string file) => new Callback(_ => { });

        public override void Done(string file, string message)
        {
        }
    }

    private sealed class PlainLines : ProgressDisplay
    {
        public override IProgress<UploadProgress> For(string file) => new Callback(p =>
        {
            var tenth = p.TotalBytes == 0 ? 10 : (int)(p.BytesSent * 10 / p.TotalBytes);
            if (Changed(file, tenth))
            {
                Console.Error.WriteLine($"{file}: {tenth * 10}% ({p.BytesSent / 1048576.0:0.0} of {p.TotalBytes / 1048576.0:0.0} MiB, {p.BytesPerSecond / 1048576.0:0.0} MiB/s)");
            }
        });

        private readonly ConcurrentDictionary<string, int> _printed = new(StringComparer.Ordinal);

        private bool Changed(string file, int tenth)
        {
            var changed = false;
            _printed.AddOrUpdate(file, _ => { changed = true; return tenth; }, (_, last) => { changed = tenth > last; return Math.Max(last, tenth); });
            return changed;
        }

        public override void Done(string file, string message) => Console.Error.WriteLine($"{file}: {message}");
    }

    private sealed class Live : ProgressDisplay
    {
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, long> _sent = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);
        private readonly Task _run;
        private ProgressTask _overall = null!;

        public Live(IReadOnlyList<string> files)
        {
            _run = AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    foreach (var file in files.Distinct(StringComparer.Ordinal))
                    {
                        _tasks[file] = context.AddTask(Markup.Escape(Path.GetFileName(file)), maxValue: 1);
                    }

                    _overall = context.AddTask("[bold]all files[/]", maxValue: 1);
                    _ready.SetResult();
                    await _finished.Task.ConfigureAwait(false);
                });
            _ready.Task.Wait();
        }

        public override IProgress<UploadProgress> For(string file) => new Callback(p =>
        {
            var task = _tasks[file];
            task.MaxValue = Math.Max(1, p.TotalBytes);
            task.Value = p.BytesSent;
            _sent[file] = p.BytesSent;
            _totals[file] = p.TotalBytes;
            _overall.MaxValue = Math.Max(1, _totals.Values.Sum());
            _overall.Value = _sent.Values.Sum();
        });

        public override void Done(string file, string message)
        {
            var task = _tasks[file];
            task.Description = Markup.Escape($"{Path.GetFileName(file)}: {message}");
            task.Value = task.MaxValue;
            task.StopTask();
        }

        public override void Complete()
        {
            _overall.Value = _overall.MaxValue;
            _overall.StopTask();
            _finished.TrySetResult();
            _run.GetAwaiter().GetResult();
        }

        public override void Dispose()
        {
            _finished.TrySetResult();
            base.Dispose();
        }
    }
}
