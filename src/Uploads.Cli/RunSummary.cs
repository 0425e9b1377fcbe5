using System.Globalization;
using System.Text.Json.Serialization;

namespace Uploads.Cli;

/// <summary>
/// The end of a <c>put</c>: files by outcome, the bytes this run sent (blocks a resumed upload found stored are
/// counted apart, never as sent), the time and the average rate, and the exit code (the most severe outcome's).
/// </summary>
internal sealed record RunSummary(
    int Files,
    int Verified,
    int Pending,
    int Rejected,
    int Failed,
    int Interrupted,
    long BytesSent,
    long BytesResumed,
    double Seconds,
    double BytesPerSecond,
    int ExitCode)
{
    public static RunSummary Of(IReadOnlyList<FileOutcome> outcomes, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var sent = outcomes.Sum(o => o.BytesSent ?? 0);
        return new RunSummary(
            outcomes.Count,
            outcomes.Count(o => o.Status == "verified"),
            outcomes.Count(o => o.Status == "pending"),
            outcomes.Count(o => o.Status == "rejected"),
            outcomes.Count(o => o.Status == "failed"),
            outcomes.Count(o => o.Status == "interrupted"),
            sent,
            outcomes.Sum(o => o.BytesResumed ?? 0),
            Math.Round(elapsed.TotalSeconds, 3),
            Math.Round(TransferMeter.Rate(sent, elapsed)),
            outcomes.Count == 0 ? ExitCodes.Success : outcomes.Max(o => o.ExitCode));
    }

    /// <summary>One sentence, e.g. <c>3 files: 2 verified, 1 failed. 12.0 MiB sent in 0:04 (3.0 MiB/s).</c></summary>
    public string Describe()
    {
        var counts = new (int Count, string Word)[] { (Verified, "verified"), (Pending, "pending"), (Rejected, "rejected"), (Failed, "failed"), (Interrupted, "interrupted") }
            .Where(c => c.Count > 0)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Count} {c.Word}"));
        var resumed = BytesResumed > 0 ? $", {Figures.Bytes(BytesResumed)} stored by an earlier run not sent again" : string.Empty;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Files} {(Files == 1 ? "file" : "files")}: {string.Join(", ", counts)}. {Figures.Bytes(BytesSent)} sent in {Figures.Elapsed(TimeSpan.FromSeconds(Seconds))} ({Figures.Rate(BytesPerSecond)}){resumed}.");
    }
}

/// <summary>The last <c>--json</c> line of a <c>put</c>: <c>{"summary":{...}}</c>.</summary>
internal sealed record SummaryLine([property: JsonPropertyName("summary")] RunSummary Summary);

/// <summary>The CLI's compact figures: sizes and rates in binary units with one decimal, durations as a clock.</summary>
internal static class Figures
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static string Bytes(double bytes)
    {
        var unit = 0;
        while (bytes >= 1024 && unit < Units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {Units[unit]}");
    }

    public static string Rate(double bytesPerSecond) => Bytes(bytesPerSecond) + "/s";

    /// <summary>A run's time: <c>1.4 s</c> under a minute, else as <see cref="Duration"/>.</summary>
    public static string Elapsed(TimeSpan elapsed) =>
        elapsed.TotalSeconds < 60 ? string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:0.0} s") : Duration(elapsed);

    /// <summary><c>0:07</c>, <c>12:34</c>, <c>1:02:03</c>; <c>--:--</c> when unknown.</summary>
    public static string Duration(TimeSpan? duration) => duration switch
    {
        null => "--:--",
        { TotalHours: >= 1 } d => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours}:{d.Minutes:00}:{d.Seconds:00}"),
        var d => string.Create(CultureInfo.InvariantCulture, $"{d.Value.Minutes}:{d.Value.Seconds:00}"),
    };
}
