using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Uploads.Cli;

internal abstract partial class ProgressDisplay
{
    /// <summary>
    /// The terminal display, redrawn ten times a second at the terminal's current width: one row per file in flight
    /// (name, bar, percentage, this run's rate, ETA) and an overall row. Every row is cut to one cell less than the
    /// width, so it never wraps, and columns are dropped (ETA, then rate, then the bar) rather than squeezed; names
    /// are elided in the middle (the extension stays). A finished file becomes a line above the rows, with its status
    /// (a failed file says failed: it never shows a full bar); reasons are printed once, below the display, when the
    /// run ends, then the summary. A resize is followed: the previous frame is erased by the rows it takes at the new
    /// width (a terminal that reflows splits a row that has become too long; rows it pushes above the top of the
    /// screen, as tmux does to keep the cursor's row, are out of reach of any program).
    /// </summary>
    private sealed class Live : ProgressDisplay
    {
        private const string Escape = "\u001b[";
        private const int MinBarCells = 10;
        private const int PercentCells = 4;
        private const int RateCells = 12;
        private const int EtaCells = 8;

        private readonly Lock _lock = new();
        private readonly IReadOnlyList<TransferMeter> _meters;
        private readonly List<(TransferMeter Meter, FileOutcome Outcome)> _finished = [];
        private readonly int _nameCells;
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly PeriodicTimer _timer = new(TimeSpan.FromMilliseconds(100));
        private readonly Task _ticker;
        private readonly bool _color = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        private int[] _drawn = [];
        private int _drawnWidth;
        private int _done;
        private bool _closed;

        public Live(IReadOnlyList<TransferMeter> meters)
        {
            _meters = meters;
            _nameCells = Math.Max(TerminalText.Width(OverallLabel(meters.Count, meters.Count)), meters.Count == 0 ? 0 : meters.Max(m => TerminalText.Width(NameOf(m))));
            Console.Out.Write(Escape + "?25l"); // no cursor blinking over the bars
            _ticker = Task.Run(async () =>
            {
                while (await _timer.WaitForNextTickAsync().ConfigureAwait(false))
                {
                    Render(closing: false);
                }
            });
        }

        /// <summary>Standard output and error are both a terminal that takes cursor movements.</summary>
        public static bool IsAvailable =>
            !Console.IsOutputRedirected && !Console.IsErrorRedirected
            && (OperatingSystem.IsWindows() || Environment.GetEnvironmentVariable("TERM") is { Length: > 0 } and not "dumb");

        public override void Done(TransferMeter meter, FileOutcome outcome)
        {
            lock (_lock)
            {
                _finished.Add((meter, outcome));
                _done++;
            }
        }

        public override void Complete(IReadOnlyList<FileOutcome> outcomes, RunSummary summary)
        {
            Close();
            var text = new StringBuilder();
            foreach (var outcome in outcomes.Where(o => (o.Reason ?? o.Error) is not null))
            {
                // Once, whole (it may wrap: it is below the display), named unless it begins with the file's name.
                var reason = TerminalText.Printable(outcome.Reason ?? outcome.Error!);
                var name = TerminalText.Printable(outcome.File);
                text.Append(Paint(name, outcome.Status == "interrupted" ? Yellow : Red)).Append(": ")
                    .Append(reason.StartsWith(Path.GetFileName(name) + ":", StringComparison.Ordinal) ? reason[(Path.GetFileName(name).Length + 1)..].TrimStart() : reason)
                    .Append('\n');
            }

            text.Append(summary.Describe()).Append('\n');
            Console.Out.Write(text.ToString());
        }

        public override void Dispose()
        {
            Close();
            base.Dispose();
        }

        private const string Green = "32";
        private const string Red = "31";
        private const string Yellow = "33";
        private const string Cyan = "36";
        private const string Dim = "2";

        private void Close()
        {
            _timer.Dispose(); // the ticker's wait ends
            _ticker.GetAwaiter().GetResult();
            Render(closing: true);
        }

        private void Render(bool closing)
        {
            lock (_lock)
            {
                if (_closed)
                {
                    return;
                }

                var (width, height) = TerminalSize();
                var usable = width - 1;
                var frame = new StringBuilder();
                var rows = _drawnWidth == width ? _drawn.Length : _drawn.Sum(cells => Math.Max(1, (cells + width - 1) / width));
                // The cursor waits at the start of the line below the frame, so that what the terminal echoes (^C, keys
                // typed) lands there and is erased with the frame, instead of wrapping the last row.
                frame.Append('\r');
                if (rows > 0)
                {
                    frame.Append(CultureInfo.InvariantCulture, $"{Escape}{rows}A");
                }

                frame.Append(Escape).Append('J');

                foreach (var (meter, outcome) in _finished)
                {
                    frame.Append(FinishedLine(meter, outcome, usable).Render(usable, _color)).Append('\n');
                }

                _finished.Clear();
                var live = new List<Row>();
                if (!closing)
                {
                    var active = _meters.Where(m => m.Phase is TransferPhase.Sending or TransferPhase.Verifying).ToList();
                    var room = Math.Max(1, height - 2);
                    var shown = active.Count <= room ? active.Count : room - 1;
                    live.AddRange(active.Take(shown).Select(m => FileRow(m, usable)));
                    if (shown < active.Count)
                    {
                        live.Add(new Row().Add(string.Create(CultureInfo.InvariantCulture, $"… and {active.Count - shown} more in flight"), Dim));
                    }
                }

                live.Add(OverallRow(usable, closing));
                foreach (var row in live)
                {
                    frame.Append(row.Render(usable, _color)).Append('\n');
                }

                frame.Append(closing ? Escape + "?25h" : string.Empty);
                _drawn = closing ? [] : [.. live.Select(r => Math.Min(r.Cells, usable))];
                _drawnWidth = width;
                _closed = closing;
                Console.Out.Write(frame.ToString());
            }
        }

        /// <summary>name, bar, percentage, rate and ETA: the columns that fit <paramref name="usable"/> cells.</summary>
        private (int Name, int Bar, bool Rate, bool Eta) Layout(int usable)
        {
            foreach (var (rate, eta) in new[] { (true, true), (true, false), (false, false) })
            {
                var stats = 1 + PercentCells + (rate ? 1 + RateCells : 0) + (eta ? 1 + EtaCells : 0);
                var name = Math.Min(_nameCells, Math.Max(12, usable / 3));
                var bar = usable - name - 1 - stats;
                if (bar >= MinBarCells)
                {
                    return (name, bar, rate, eta);
                }
            }

            return (Math.Max(1, usable - 1 - PercentCells), 0, false, false);
        }

        private Row FileRow(TransferMeter meter, int usable)
        {
            var layout = Layout(usable);
            var row = new Row().Add(TerminalText.Fit(NameOf(meter), layout.Name, keepEnd: true)).Add(" ");
            if (meter.Phase == TransferPhase.Verifying)
            {
                return row.Add(TerminalText.Fit("sent; waiting for the verdict…", usable - layout.Name - 1), Yellow);
            }

            var fraction = meter.TotalBytes == 0 ? 0 : (double)meter.StoredBytes / meter.TotalBytes;
            return Columns(row, layout, fraction, Percent(fraction), meter.SentBytes > 0 ? Figures.Rate(meter.BytesPerSecond) : "--", Figures.Duration(meter.Remaining), Cyan);
        }

        private Row OverallRow(int usable, bool closing)
        {
            var layout = Layout(usable);
            long total = 0, processed = 0, sent = 0, remaining = 0;
            foreach (var meter in _meters)
            {
                total += meter.TotalBytes;
                sent += meter.SentBytes;
                var finished = meter.Phase == TransferPhase.Finished;
                processed += finished ? meter.TotalBytes : meter.StoredBytes;
                remaining += finished ? 0 : meter.TotalBytes - meter.StoredBytes;
            }

            var elapsed = Stopwatch.GetElapsedTime(_started);
            var rate = TransferMeter.Rate(sent, elapsed);
            var fraction = closing || total == 0 ? 1 : (double)processed / total;
            var row = new Row().Add(TerminalText.Fit(OverallLabel(_done, _meters.Count), layout.Name), Bold).Add(" ");
            return Columns(
                row,
                layout,
                fraction,
                closing ? "done" : Percent(fraction),
                sent > 0 ? Figures.Rate(rate) : "--",
                closing ? Figures.Duration(elapsed) : Figures.Duration(TransferMeter.Eta(remaining, rate)),
                closing ? Green : Cyan);
        }

        private const string Bold = "1";

        private static Row Columns(Row row, (int Name, int Bar, bool Rate, bool Eta) layout, double fraction, string percent, string rate, string eta, string color)
        {
            if (layout.Bar > 0)
            {
                var filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * layout.Bar);
                row.Add(new string('━', filled), color).Add(new string('─', layout.Bar - filled), Dim).Add(" ");
            }

            row.Add(percent.PadLeft(PercentCells));
            if (layout.Rate)
            {
                row.Add(" ").Add(TerminalText.Cut(rate, RateCells).PadLeft(RateCells));
            }

            if (layout.Eta)
            {
                row.Add(" ").Add(TerminalText.Cut(eta, EtaCells).PadLeft(EtaCells));
            }

            return row;
        }

        /// <summary>A finished file: mark, name, status and what it took; the reason comes below the display.</summary>
        private Row FinishedLine(TransferMeter meter, FileOutcome outcome, int usable)
        {
            var (mark, color, details) = outcome.Status switch
            {
                "verified" or "pending" => (outcome.Status == "verified" ? "✓" : "•", outcome.Status == "verified" ? Green : Yellow, Transferred(meter, outcome)),
                "interrupted" => ("!", Yellow, "what was stored is below"),
                _ => ("✗", Red, "the reason is below"),
            };
            var status = outcome.Status == "pending" ? "uploaded, verification pending" : outcome.Status;
            var name = Math.Min(_nameCells, Math.Max(12, usable / 2));
            var room = usable - 2 - name - 1 - status.Length - 2;
            return new Row().Add(mark, color).Add(" ").Add(TerminalText.Fit(NameOf(meter), name, keepEnd: true)).Add(" ")
                .Add(status, color).Add(room > 0 ? "  " + TerminalText.Cut(details, room) : string.Empty, Dim);
        }

        private static string Transferred(TransferMeter meter, FileOutcome outcome)
        {
            var resumed = outcome.BytesResumed is > 0 ? $", {Figures.Bytes(outcome.BytesResumed.Value)} resumed" : string.Empty;
            return $"{Figures.Bytes(outcome.BytesSent ?? 0)} sent in {Figures.Elapsed(meter.Elapsed)}{resumed}";
        }

        private static string Percent(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Floor(Math.Clamp(fraction, 0, 1) * 100)}%");

        private static string OverallLabel(int done, int count) => string.Create(CultureInfo.InvariantCulture, $"{done}/{count} {(count == 1 ? "file" : "files")}");

        private static string NameOf(TransferMeter meter) => TerminalText.Printable(meter.File);

        private static (int Width, int Height) TerminalSize()
        {
            try
            {
                return (Console.WindowWidth is > 0 and var width ? width : 80, Console.WindowHeight is > 0 and var height ? height : 24);
            }
            catch (IOException)
            {
                return (80, 24);
            }
        }

        /// <summary>A display row as pieces of printable text, each with an optional colour; rendered cut to a width.</summary>
        private sealed class Row
        {
            private readonly List<(string Text, string? Color)> _pieces = [];

            public int Cells => _pieces.Sum(p => TerminalText.Width(p.Text));

            public Row Add(string text, string? color = null)
            {
                _pieces.Add((text, color));
                return this;
            }

            /// <summary>The row in colour if it fits <paramref name="width"/> cells; otherwise its text cut, plain.</summary>
            public string Render(int width, bool color)
            {
                if (Cells > width)
                {
                    return TerminalText.Cut(string.Concat(_pieces.Select(p => p.Text)), width);
                }

                return string.Concat(_pieces.Select(p => color && p.Color is { } c && p.Text.Length > 0 ? $"{Escape}{c}m{p.Text}{Escape}0m" : p.Text));
            }
        }

        private string Paint(string text, string color) => _color ? $"{Escape}{color}m{text}{Escape}0m" : text;
    }
}
