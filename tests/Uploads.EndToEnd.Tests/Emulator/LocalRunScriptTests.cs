using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>The newcomer commands: <c>scripts/run-local.sh</c> refuses a busy port; <c>mint-key</c> without an id prints usage.</summary>
public sealed class LocalRunScriptTests
{
    [Fact]
    public async Task RunLocal_ApiPortTaken_StopsWithMessageBeforeStartingAnything()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (exitCode, output) = await RunAsync("bash", [Path.Combine(RepositoryRoot.Find(), "scripts", "run-local.sh")], ("API_PORT", port));

        Assert.Equal(1, exitCode);
        Assert.Contains($"Port {port} on 127.0.0.1 is already in use", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Building", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MintKey_WithoutClientId_UsageAndExit2()
    {
        var admin = BuildOutput.Of("Uploads.Admin", "Uploads.Admin.dll");

        var (exitCode, output) = await RunAsync("dotnet", [admin, "mint-key"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("Usage: dotnet run --project src/Uploads.Admin -- mint-key <clientId>", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepositoryRoot.Find() };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
