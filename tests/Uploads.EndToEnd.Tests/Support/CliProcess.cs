using System.Diagnostics;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Support;

/// <summary>
/// The <c>uploads</c> CLI (src/Uploads.Cli, built) as a process against the real worker: its command and the
/// environment it reads (API base, key, and Azurite's test certificate through the usual SSL_CERT_FILE).
/// </summary>
internal static class CliProcess
{
    /// <summary>The command line that starts the CLI: <c>dotnet Uploads.Cli.dll</c>.</summary>
    public static IReadOnlyList<string> Command => ["dotnet", BuildOutput.Of("Uploads.Cli", "Uploads.Cli.dll")];

    /// <summary>The variables the CLI reads; no key when <paramref name="apiKey"/> is null.</summary>
    public static Dictionary<string, string?> Environment(ApiHost host, string? apiKey) => new(StringComparer.Ordinal)
    {
        ["UPLOADS_API_BASE"] = host.BaseAddress.ToString(),
        ["UPLOADS_API_KEY"] = apiKey,
        ["SSL_CERT_FILE"] = host.Azurite.CertificatePemPath!,
    };

    /// <summary>Runs the CLI with its output redirected (so not a terminal) and returns its exit code and both streams.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ApiHost host, string? apiKey, Func<Process, Task>? whileRunning, IEnumerable<string> arguments)
    {
        // A test run started as a shell's background job inherits SIGINT ignored (POSIX), and the CLI would then
        // ignore the Ctrl+C a test sends: env resets it to the default, as a terminal's shell does for its commands.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--default-signal=INT");
        foreach (var argument in Command.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Environment(host, apiKey))
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (whileRunning is not null)
        {
            await whileRunning(process);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
