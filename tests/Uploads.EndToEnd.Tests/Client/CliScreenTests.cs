using System.Net;
using System.Net.Sockets;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Client;

/// <summary>
/// <c>uploads put</c> on a terminal: the CLI runs in a pseudo-terminal (tmux) of a given width against the real
/// worker, and the tests read the screen as a person sees it.
/// </summary>
public sealed class CliScreenTests(ApiHost host) : IClassFixture<ApiHost>, IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private Task<TerminalSession> StartAsync(int columns, params string[] arguments) =>
        TerminalSession.StartAsync(columns, 30, _files.DirectoryPath, CliProcess.Environment(host, host.ApiKey), CliProcess.Command.Concat(arguments), linesBefore: 10);

    private static List<string> Lines(string screen) => [.. screen.Split('\n').Select(l => l.TrimEnd())];

    [Theory]
    [InlineData(60)]
    [InlineData(100)]
    [InlineData(160)]
    public async Task Put_LongErrorAtThisWidth_RowsNeverWrapFailedShownFailedReasonOnceBelowThenSummary(int columns)
    {
        _files.CreateText("notes.txt", 2 * 1024 * 1024);
        var refused = "quarterly-report-" + new string('x', 60) + "-final-version-with-a-name-longer-than-any-column.zip";
        _files.CreateText(refused, 100);
        _files.CreateText("fake.pdf", 5000);

        await using var terminal = await StartAsync(columns, "put", "notes.txt", refused, "fake.pdf", "--presigned", "--wait");
        var exitCode = await terminal.WaitForExitAsync();
        var screen = await terminal.ScreenAsync(joined: true);
        var rows = Lines(screen);

        Assert.True(exitCode == 4, screen); // the worst outcome: refused by policy (4) over rejected (3)
        var overall = rows.FindIndex(r => r.Contains("3/3 files", StringComparison.Ordinal));
        Assert.True(overall >= 0 && rows.Count(r => r.Contains("3/3 files", StringComparison.Ordinal)) == 1, screen);
        // The display, down to its overall row, never wrapped: with wrapped rows joined, each still fits the width.
        Assert.All(rows.Take(overall + 1), r => Assert.True(r.Length < columns, $"{r.Length} cells at {columns} columns: {r}\n{screen}"));
        var display = rows.Take(overall).ToList();
        Assert.Contains(display, r => r.Contains("✓ notes.txt", StringComparison.Ordinal) && r.Contains("verified", StringComparison.Ordinal));
        Assert.Contains(display, r => r.Contains("✗ fake.pdf", StringComparison.Ordinal) && r.Contains("rejected", StringComparison.Ordinal));
        var failed = Assert.Single(display, r => r.Contains(".zip", StringComparison.Ordinal));
        Assert.StartsWith("✗ quarterly-rep", failed, StringComparison.Ordinal);
        Assert.Contains(" failed", failed, StringComparison.Ordinal);
        Assert.DoesNotContain("100%", failed, StringComparison.Ordinal);
        Assert.DoesNotContain("━", failed, StringComparison.Ordinal);
        // Each reason once, whole, below the display; then the summary.
        var refusal = Assert.Single(rows, r => r.Contains("is not an allowed type", StringComparison.Ordinal));
        Assert.StartsWith(refused + ": ", refusal, StringComparison.Ordinal);
        var rejection = Assert.Single(rows, r => r.Contains("application/pdf", StringComparison.Ordinal));
        Assert.StartsWith("fake.pdf: ", rejection, StringComparison.Ordinal);
        Assert.True(rows.IndexOf(refusal) > overall && rows.IndexOf(rejection) > overall, screen);
        Assert.Contains(rows.Skip(overall), r => r.StartsWith("3 files: 1 verified, 1 rejected, 1 failed. ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Put_InFlightWhileTheTerminalIsResized_EachFrameFitsTheNewWidthAndNothingIsLeftBehind()
    {
        // An API that takes connections and never answers: both files stay in flight while the terminal is resized.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var name = "a-report-whose-name-goes-on-" + new string('n', 80) + ".txt";
        _files.CreateText(name, 3 * 1024 * 1024);
        _files.CreateText("small.txt", 1000);

        await using var terminal = await StartAsync(100, "put", name, "small.txt", "--api", $"http://127.0.0.1:{port}");
        foreach (var columns in new[] { 100, 60, 160 })
        {
            if (columns != 100)
            {
                await terminal.ResizeAsync(columns, 30);
            }

            var screen = string.Empty;
            var redrawn = await Eventually.WithinAsync(
                async () => IsFrame(Lines(screen = await terminal.ScreenAsync(history: false)), columns),
                TimeSpan.FromSeconds(30));
            Assert.True(redrawn, $"at {columns} columns:\n{screen}");
        }

        await terminal.SendKeysAsync("C-c");
        var exitCode = await terminal.WaitForExitAsync();
        var final = await terminal.ScreenAsync(joined: true);

        Assert.True(exitCode == 130, final);
        // Nothing of a frame drawn at an earlier width is left anywhere, history included: no row with a percentage.
        Assert.False(final.Contains('%', StringComparison.Ordinal), final);
        Assert.Contains($"run `uploads put {name}` again to resume", final, StringComparison.Ordinal);
        Assert.Contains("2 files: 2 interrupted.", final, StringComparison.Ordinal);
    }

    /// <summary>
    /// Exactly the live rows (two files, then the overall row) and nothing else, each one row narrower than the
    /// terminal, with the percentage column at the same place in every row, and the ETA column there.
    /// </summary>
    private static bool IsFrame(List<string> screen, int columns)
    {
        var rows = screen.Where(r => r.Length > 0).ToList();
        return rows.Count == 3
            && rows.All(r => r.Length < columns && r.EndsWith("--:--", StringComparison.Ordinal) && r.Contains('%', StringComparison.Ordinal))
            && rows.Select(r => r.IndexOf('%', StringComparison.Ordinal)).Distinct().Count() == 1
            && rows[0].StartsWith("a-report-", StringComparison.Ordinal) && rows[0].Contains("nnn.txt ", StringComparison.Ordinal) // elided in the middle
            && rows[1].StartsWith("small.txt ", StringComparison.Ordinal)
            && rows[2].StartsWith("0/2 files ", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_ResumedUpload_CountsOnlyTheBytesThisRunSent()
    {
        await ResumableUpload.InterruptAsync(host, _files, "resumed.txt");

        await using var terminal = await StartAsync(100, "put", "resumed.txt", "--presigned", "--wait");
        var exitCode = await terminal.WaitForExitAsync();
        var screen = await terminal.ScreenAsync(joined: true);

        Assert.True(exitCode == 0, screen);
        // 8 of the 10 MiB were stored by the interrupted run: this run sent 2, and its rate is over those 2.
        Assert.Contains("✓ resumed.txt verified  2.0 MiB sent in ", screen, StringComparison.Ordinal);
        Assert.Contains(", 8.0 MiB resumed", screen, StringComparison.Ordinal);
        Assert.Contains("1 file: 1 verified. 2.0 MiB sent in ", screen, StringComparison.Ordinal);
        Assert.Contains("8.0 MiB stored by an earlier run not sent again.", screen, StringComparison.Ordinal);
    }
}
