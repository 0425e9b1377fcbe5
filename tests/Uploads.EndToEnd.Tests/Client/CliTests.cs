using System.Diagnostics;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Client;

/// <summary>The <c>uploads</c> CLI (src/Uploads.Cli, built) run as a process against the real worker: output redirected, so not a terminal.</summary>
public sealed class CliTests(ApiHost host) : IClassFixture<ApiHost>, IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string? apiKey, params string[] arguments) => RunAsync(apiKey, null, arguments);

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string? apiKey, Func<Process, Task>? whileRunning, params string[] arguments) =>
        CliProcess.RunAsync(host, apiKey, whileRunning, arguments);

    /// <summary>The first line of <c>put --json</c>: the one file's object (the summary object follows it).</summary>
    private static JsonElement FileLine(string stdout) => JsonDocument.Parse(stdout.Split('\n')[0]).RootElement;

    [Fact]
    public async Task Put_TwoFilesJsonWait_OneObjectPerFileVerifiedExit0()
    {
        var small = _files.CreateText("small.txt", 100_000);
        var large = _files.CreateText("large.txt", 3 * 1024 * 1024);

        var (exitCode, stdout, stderr) = await RunAsync(host.ApiKey, "put", small, large, "--presigned", "--parallel", "2", "--wait", "--json");

        Assert.True(exitCode == 0, stderr + stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).SkipLast(1).ToArray();
        Assert.Equal(3, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // two files, then the summary
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Equal("verified", l.GetProperty("status").GetString()));
        Assert.Equal([small, large], lines.Select(l => l.GetProperty("file").GetString()));
        Assert.All(lines, l => Assert.StartsWith(ApiHost.ClientId + "/", l.GetProperty("blobPath").GetString(), StringComparison.Ordinal));
        // A fresh presigned upload stages every block itself: one 8 MiB block for each of these files.
        Assert.All(lines, l => Assert.Equal((1, 0), (l.GetProperty("blocksSent").GetInt32(), l.GetProperty("blocksResumed").GetInt32())));
        Assert.DoesNotContain("%", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_NotATerminal_PlainProgressLinesAndASummary()
    {
        var file = _files.CreateText("plain.txt", 2 * 1024 * 1024);

        var (exitCode, stdout, stderr) = await RunAsync(host.ApiKey, "put", file);

        Assert.Equal(0, exitCode);
        Assert.Contains($"{file}: 100%", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", stderr, StringComparison.Ordinal); // no ANSI escapes
        Assert.StartsWith($"{file}\tverified\t{ApiHost.ClientId}/", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_PresignedWithoutWait_PendingExit0()
    {
        var file = _files.CreateText("nowait.txt", 1000);

        var (exitCode, stdout, _) = await RunAsync(host.ApiKey, "put", file, "--presigned", "--json");

        Assert.Equal(0, exitCode);
        Assert.Equal("pending", FileLine(stdout).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Put_BytesOfAnotherType_RejectedExit3()
    {
        var file = _files.CreateText("fake.pdf", 5000);

        var (exitCode, stdout, _) = await RunAsync(host.ApiKey, "put", file, "--presigned", "--wait", "--json");

        Assert.Equal(3, exitCode);
        var line = FileLine(stdout);
        Assert.Equal("rejected", line.GetProperty("status").GetString());
        Assert.Contains("application/pdf", line.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_TypeNotAllowed_RefusedByPolicyExit4()
    {
        var file = _files.CreateText("archive.zip", 100);

        var (exitCode, stdout, _) = await RunAsync(host.ApiKey, "put", file, "--json");

        Assert.Equal(4, exitCode);
        Assert.Equal("failed", FileLine(stdout).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Put_WrongKey_AuthenticationExit5()
    {
        var file = _files.CreateText("key.txt", 100);

        var (exitCode, _, _) = await RunAsync("upk_not-a-key", "put", file);

        Assert.Equal(5, exitCode);
    }

    [Fact]
    public async Task Put_ApiUnreachable_RetriedThenNetworkExit6()
    {
        var file = _files.CreateText("offline.txt", 100);
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // a port nothing listens on: every connection is refused

        var (exitCode, stdout, _) = await RunAsync(host.ApiKey, "put", file, "--api", $"http://127.0.0.1:{port}", "--json");

        Assert.Equal(6, exitCode);
        Assert.Equal("failed", FileLine(stdout).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Put_NoKey_UsageExit2()
    {
        var file = _files.CreateText("nokey.txt", 100);

        var (exitCode, _, stderr) = await RunAsync(null, "put", file);

        Assert.Equal(2, exitCode);
        Assert.Contains("UPLOADS_API_KEY", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UrlThenStatus_UrlJsonThenNotFoundUntilUploaded()
    {
        var file = _files.CreateText("url.txt", 100);

        var (urlExit, urlOut, _) = await RunAsync(host.ApiKey, "url", file);
        var answer = JsonDocument.Parse(urlOut).RootElement;
        var blobPath = answer.GetProperty("blobPath").GetString()!;
        var (statusExit, _, statusErr) = await RunAsync(host.ApiKey, "status", blobPath);

        Assert.Equal(0, urlExit);
        Assert.StartsWith("https://", answer.GetProperty("uploadUrl").GetString(), StringComparison.Ordinal);
        Assert.Equal(4, statusExit);
        Assert.Contains("not_found", statusErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_UsageNamesTheInstalledCommand()
    {
        var (exitCode, stdout, _) = await RunAsync(host.ApiKey, "put", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("uploads put <FILE>...", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Uploads.Cli", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UrlAndStatus_Instants_PrintedAsTheApiWritesThemUtcZ()
    {
        var file = _files.CreateText("instants.txt", 100);

        var (urlExit, urlOut, urlErr) = await RunAsync(host.ApiKey, "url", file);
        var (putExit, putOut, putErr) = await RunAsync(host.ApiKey, "put", file, "--direct", "--wait", "--json");
        var blobPath = FileLine(putOut).GetProperty("blobPath").GetString()!;
        var (statusExit, statusOut, statusErr) = await RunAsync(host.ApiKey, "status", blobPath);

        Assert.True(urlExit == 0 && putExit == 0 && statusExit == 0, urlErr + putErr + statusErr);
        // The API's one format (src/Uploads.Policy/UtcSeconds.cs): UTC to the second with Z, never +00:00.
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", JsonDocument.Parse(urlOut).RootElement.GetProperty("expiresAt").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", JsonDocument.Parse(statusOut).RootElement.GetProperty("checkedAt").GetString());
    }

    [Fact]
    public async Task Put_Directory_SaysItIsADirectoryUsageExit2()
    {
        var directory = Path.GetDirectoryName(_files.CreateText("inside.txt", 100))!;

        var (exitCode, stdout, _) = await RunAsync(host.ApiKey, "put", directory, "--json");

        Assert.Equal(2, exitCode);
        var line = FileLine(stdout);
        Assert.Equal("failed", line.GetProperty("status").GetString());
        Assert.Contains("is a directory; add --recursive to upload every file under it", line.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_ContentTypeOption_DeclaredTypeIsTheOneChecked()
    {
        var mismatched = _files.CreateText("declared.txt", 100);
        var markdown = _files.CreateText("declared.md", 100);

        var (refusedExit, refusedOut, _) = await RunAsync(host.ApiKey, "put", mismatched, "--content-type", "application/pdf", "--json");
        var (acceptedExit, acceptedOut, acceptedErr) = await RunAsync(host.ApiKey, "put", markdown, "--content-type", "text/markdown", "--direct", "--wait", "--json");

        Assert.Equal(4, refusedExit);
        Assert.Contains("the content type is application/pdf", FileLine(refusedOut).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(acceptedExit == 0, acceptedErr + acceptedOut);
        Assert.Equal("verified", FileLine(acceptedOut).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Put_Failure_ReasonPrintedOnceAcrossBothStreams()
    {
        var file = _files.CreateText("once.zip", 100);

        var (exitCode, stdout, stderr) = await RunAsync(host.ApiKey, "put", file);

        Assert.Equal(4, exitCode);
        var reason = stdout.Split('\t')[^1].Trim();
        Assert.Contains("zip", reason, StringComparison.Ordinal);
        Assert.Contains($"{file}: failed", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(reason, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_CtrlC_Exit130SaysWhatWasStoredAndHowToResume()
    {
        var file = _files.CreateText("interrupted.txt", 1000);
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start(); // accepts the CLI's request and never answers: the CLI is mid-upload when the signal comes
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;

        var (exitCode, stdout, stderr) = await RunAsync(
            host.ApiKey,
            async process =>
            {
                using var connection = await silent.AcceptTcpClientAsync();
                using var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                await kill.WaitForExitAsync();
                using var exited = new CancellationTokenSource(TimeSpan.FromMinutes(1));
                await process.WaitForExitAsync(exited.Token); // fails, rather than hangs, if the signal is ignored
            },
            "put",
            file,
            "--api",
            $"http://127.0.0.1:{port}",
            "--json");

        Assert.True(exitCode == 130 && stdout.Length > 0, $"exit {exitCode}: {stderr}{stdout}");
        var line = FileLine(stdout);
        Assert.Equal("interrupted", line.GetProperty("status").GetString());
        Assert.Contains($"stored; run `uploads put {file}` again to resume", line.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
