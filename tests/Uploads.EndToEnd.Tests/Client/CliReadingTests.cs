using System.Diagnostics;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Client;

/// <summary>
/// <c>uploads get</c>, <c>ls</c> and <c>rm</c> run as a process against the real worker, in the account-key mode (a
/// download goes through a read URL; Azurite refuses user-delegation ones: Azure/Azurite#1857).
/// </summary>
public sealed class CliReadingTests(SharedKeyApiHost host) : IClassFixture<SharedKeyApiHost>, IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(BuildOutput.Of("Uploads.Cli", "Uploads.Cli.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["UPLOADS_API_BASE"] = host.BaseAddress.ToString();
        start.Environment["UPLOADS_API_KEY"] = host.ApiKey;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private async Task<string> PutAsync(string file)
    {
        var (exitCode, stdout, stderr) = await RunAsync(Path.GetDirectoryName(file)!, "put", file, "--wait", "--json");
        Assert.True(exitCode == 0, stderr + stdout);
        var outcome = JsonDocument.Parse(stdout.Split('\n')[0]).RootElement; // the file's line; the run's summary line follows
        Assert.Equal("verified", outcome.GetProperty("status").GetString());
        return outcome.GetProperty("blobPath").GetString()!;
    }

    [Fact]
    public async Task PutWaitThenGet_RoundTrip_IdenticalFile()
    {
        var file = _files.CreateText("report.txt", 3 * 1024 * 1024);
        var blobPath = await PutAsync(file);
        var into = Directory.CreateTempSubdirectory("uploads-get-");
        try
        {
            var (exitCode, stdout, stderr) = await RunAsync(into.FullName, "get", blobPath);

            Assert.True(exitCode == 0, stderr + stdout);
            Assert.Equal(await File.ReadAllBytesAsync(file), await File.ReadAllBytesAsync(Path.Combine(into.FullName, "report.txt")));
            Assert.Contains("sha256:", stdout, StringComparison.Ordinal);

            // The name is taken now: get refuses to replace a file it was not told to.
            var (again, _, refusal) = await RunAsync(into.FullName, "get", blobPath);
            Assert.Equal(2, again);
            Assert.Contains("--output", refusal, StringComparison.Ordinal);
        }
        finally
        {
            into.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task LsThenRm_ListedThenRemoved()
    {
        var file = _files.CreateText("listed.txt", 10_000);
        var blobPath = await PutAsync(file);
        var here = Path.GetDirectoryName(file)!;

        var (lsExit, listed, _) = await RunAsync(here, "ls", "--state", "verified");
        var (rmExit, _, removed) = await RunAsync(here, "rm", blobPath);
        var (_, after, _) = await RunAsync(here, "ls", "--json");
        var (getExit, _, _) = await RunAsync(here, "get", blobPath, "--output", Path.Combine(here, "gone.txt"));

        Assert.Equal((0, 0), (lsExit, rmExit));
        Assert.Contains($"verified\t10", listed, StringComparison.Ordinal);
        Assert.Contains(blobPath, listed, StringComparison.Ordinal);
        Assert.Contains(blobPath, removed, StringComparison.Ordinal);
        Assert.DoesNotContain(blobPath, after, StringComparison.Ordinal);
        Assert.Equal(4, getExit);
    }

    [Theory]
    [InlineData("client/00000000000000000000000000000000/")]
    [InlineData("client/00000000000000000000000000000000/..")]
    [InlineData("..")]
    public async Task Get_PathWithoutAFileName_RefusedWithoutWritingAnything(string blobPath)
    {
        var into = Directory.CreateTempSubdirectory("uploads-get-");
        try
        {
            var (exitCode, _, refusal) = await RunAsync(into.FullName, "get", blobPath);

            Assert.Equal(2, exitCode);
            Assert.Contains("does not end with a file name", refusal, StringComparison.Ordinal);
            Assert.Empty(into.EnumerateFileSystemInfos());
        }
        finally
        {
            into.Delete(recursive: true);
        }
    }
}
