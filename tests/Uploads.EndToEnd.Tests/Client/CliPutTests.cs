using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;

namespace Uploads.EndToEnd.Tests.Client;

/// <summary>
/// <c>uploads put</c> of several files, directories and patterns, output redirected (a script's view): <c>--json</c>
/// lines, plain lines, the summary and the exit code of the worst outcome.
/// </summary>
public sealed class CliPutTests(ApiHost host) : IClassFixture<ApiHost>, IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments) => CliProcess.RunAsync(host, host.ApiKey, null, arguments);

    private static JsonElement[] JsonLines(string stdout) => [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];

    /// <summary>A folder with two files to upload, a hidden one and a resume journal (both left out of a walk).</summary>
    private string Tree()
    {
        var tree = Path.Combine(_files.DirectoryPath, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        File.Move(_files.CreateText("a.txt", 1000), Path.Combine(tree, "a.txt"));
        File.Move(_files.CreateText("b.md", 1000), Path.Combine(tree, "sub", "b.md"));
        File.Move(_files.CreateText(".hidden.txt", 1000), Path.Combine(tree, ".hidden.txt"));
        File.WriteAllText(Path.Combine(tree, "c.txt.upload.json"), "{}");
        return tree;
    }

    [Fact]
    public async Task Put_SeveralFilesJson_OneLinePerFileInTheOrderNamedThenTheSummaryExitOfTheWorst()
    {
        var verified = _files.CreateText("good.txt", 3000);
        var refused = _files.CreateText("archive.zip", 100);
        var rejected = _files.CreateText("fake.pdf", 5000);

        var (exitCode, stdout, stderr) = await RunAsync("put", verified, refused, rejected, "--presigned", "--wait", "--json", "--jobs", "3");

        Assert.True(exitCode == 4, stderr + stdout);
        var lines = JsonLines(stdout);
        Assert.Equal(4, lines.Length);
        Assert.Equal([verified, refused, rejected], lines.Take(3).Select(l => l.GetProperty("file").GetString()));
        Assert.Equal(["verified", "failed", "rejected"], lines.Take(3).Select(l => l.GetProperty("status").GetString()));
        Assert.Equal(3000, lines[0].GetProperty("bytesSent").GetInt64());
        var summary = lines[3].GetProperty("summary");
        Assert.Equal(
            (3, 1, 1, 1, 0, 4),
            (summary.GetProperty("files").GetInt32(), summary.GetProperty("verified").GetInt32(), summary.GetProperty("rejected").GetInt32(),
                summary.GetProperty("failed").GetInt32(), summary.GetProperty("interrupted").GetInt32(), summary.GetProperty("exitCode").GetInt32()));
        Assert.Equal(3000 + 5000, summary.GetProperty("bytesSent").GetInt64());
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task Put_ResumedUploadJson_BytesSentAndRateCountOnlyThisRun()
    {
        var path = await ResumableUpload.InterruptAsync(host, _files, "resumed-json.txt");

        var (exitCode, stdout, stderr) = await RunAsync("put", path, "--presigned", "--json");

        Assert.True(exitCode == 0, stderr + stdout);
        var lines = JsonLines(stdout);
        Assert.Equal((2, 8), (lines[0].GetProperty("blocksSent").GetInt32(), lines[0].GetProperty("blocksResumed").GetInt32()));
        Assert.Equal((2L * ResumableUpload.BlockBytes, 8L * ResumableUpload.BlockBytes), (lines[0].GetProperty("bytesSent").GetInt64(), lines[0].GetProperty("bytesResumed").GetInt64()));
        var summary = lines[1].GetProperty("summary");
        Assert.Equal(2L * ResumableUpload.BlockBytes, summary.GetProperty("bytesSent").GetInt64());
        Assert.Equal(8L * ResumableUpload.BlockBytes, summary.GetProperty("bytesResumed").GetInt64());
        // The rate is this run's bytes over this run's time, not the file's 10 MiB (the resumed blocks were not sent now).
        var expected = summary.GetProperty("bytesSent").GetInt64() / summary.GetProperty("seconds").GetDouble();
        Assert.InRange(summary.GetProperty("bytesPerSecond").GetDouble(), expected * 0.98, expected * 1.02);
    }

    [Fact]
    public async Task Put_DirectoryRecursive_EveryFileUnderItOnceHiddenFilesAndJournalsLeftOut()
    {
        var tree = Tree();

        var (exitCode, stdout, stderr) = await RunAsync("put", tree, Path.Combine(tree, "a.txt"), "--recursive", "--json", "--jobs", "1");

        Assert.True(exitCode == 0, stderr + stdout);
        var lines = JsonLines(stdout);
        Assert.Equal([Path.Combine(tree, "a.txt"), Path.Combine(tree, "sub", "b.md")], lines.SkipLast(1).Select(l => l.GetProperty("file").GetString()));
        Assert.All(lines.SkipLast(1), l => Assert.Equal("verified", l.GetProperty("status").GetString()));
        Assert.Equal(2, lines[^1].GetProperty("summary").GetProperty("verified").GetInt32());
    }

    [Fact]
    public async Task Put_DirectoryWithoutRecursive_SaysToAddItUsageExit2()
    {
        var tree = Tree();

        var (exitCode, stdout, _) = await RunAsync("put", tree);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{tree} is a directory; add --recursive to upload every file under it", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_QuotedPatterns_ExpandedByTheCliNoMatchRefused()
    {
        var tree = Tree();

        var (exitCode, stdout, stderr) = await RunAsync("put", Path.Combine(tree, "*.txt"), Path.Combine(tree, "**", "*.md"), Path.Combine(tree, "*.none"), "--json");

        Assert.True(exitCode == 4, stderr + stdout);
        var lines = JsonLines(stdout);
        Assert.Equal(
            [(Path.Combine(tree, "a.txt"), "verified"), (Path.Combine(tree, "sub", "b.md"), "verified"), (Path.Combine(tree, "*.none"), "failed")],
            lines.SkipLast(1).Select(l => (l.GetProperty("file").GetString(), l.GetProperty("status").GetString())));
        Assert.Equal($"{Path.Combine(tree, "*.none")} matches no file.", lines[2].GetProperty("error").GetString());
    }

    [Fact]
    public async Task Put_SeveralFilesNotATerminal_PlainLinesOnOutputSummaryOnError()
    {
        var tree = Tree();

        var (exitCode, stdout, stderr) = await RunAsync("put", tree, "--recursive");

        Assert.Equal(0, exitCode);
        Assert.Equal(2, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.StartsWith($"{Path.Combine(tree, "a.txt")}\tverified\t", stdout, StringComparison.Ordinal);
        Assert.Contains("2 files: 2 verified. ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", stderr + stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_JobsZero_UsageExit2()
    {
        var file = _files.CreateText("jobs.txt", 100);

        var (exitCode, _, stderr) = await RunAsync("put", file, "--jobs", "0");

        Assert.Equal(2, exitCode);
        Assert.Contains("--jobs must be at least 1", stderr, StringComparison.Ordinal);
    }
}
