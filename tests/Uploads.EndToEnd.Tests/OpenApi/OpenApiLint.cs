using System.Diagnostics;
using System.Text.Json;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.OpenApi;

/// <summary>
/// Redocly CLI and Spectral (npm packages pinned in <c>tests/tools/package-lock.json</c>, run under node as Azurite
/// is) on an OpenAPI document, in a folder of its own with this folder's rulesets beside it: <c>redocly.yaml</c>,
/// <c>.redocly.lint-ignore.yaml</c> and <c>.spectral.yaml</c>, so the ignore file's paths are <c>openapi.json</c>.
/// </summary>
internal sealed class OpenApiLint : IDisposable
{
    private static readonly string Rules = Path.Combine(RepositoryRoot.Find(), "tests", "Uploads.EndToEnd.Tests", "OpenApi");

    private static readonly string NodeModules = Path.Combine(RepositoryRoot.Find(), "tests", "tools", "node_modules");

    private readonly string _folder = Directory.CreateTempSubdirectory("uploads-openapi-lint-").FullName;

    public OpenApiLint(byte[] document)
    {
        File.WriteAllBytes(Path.Combine(_folder, "openapi.json"), document);
        File.Copy(Path.Combine(Rules, "redocly.yaml"), Path.Combine(_folder, "redocly.yaml"));
        File.Copy(Path.Combine(Rules, "redocly.lint-ignore.yaml"), Path.Combine(_folder, ".redocly.lint-ignore.yaml"));
        File.Copy(Path.Combine(Rules, "spectral.yaml"), Path.Combine(_folder, ".spectral.yaml"));
    }

    /// <summary><c>redocly lint openapi.json --format=json</c> (the recommended rules of redocly.yaml).</summary>
    public Task<(int ExitCode, string Output, string Errors)> RedoclyAsync() =>
        RunAsync("@redocly/cli", Path.Combine("bin", "cli.js"), "lint", "openapi.json", "--format=json");

    /// <summary>
    /// <c>spectral lint --ruleset .spectral.yaml --format json --output spectral.json --fail-severity hint openapi.json</c>;
    /// <c>Output</c> is the JSON findings (an array), read from the file: on standard output Spectral appends a sentence to it.
    /// </summary>
    public async Task<(int ExitCode, string Output, string Errors)> SpectralAsync()
    {
        var report = Path.Combine(_folder, "spectral.json");
        var (exitCode, output, errors) = await RunAsync(
            "@stoplight/spectral-cli", Path.Combine("dist", "index.js"), "lint", "--ruleset", ".spectral.yaml", "--format", "json", "--output", report, "--fail-severity", "hint", "openapi.json");
        return (exitCode, File.Exists(report) ? await File.ReadAllTextAsync(report) : string.Empty, output + errors);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string? Version(string packageJson, Func<JsonElement, JsonElement> select)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(packageJson));
        return select(document.RootElement).GetString();
    }

    private async Task<(int ExitCode, string Output, string Errors)> RunAsync(string package, string script, params string[] arguments)
    {
        // The version tests/tools/package.json pins, not whatever an older install left (as AzuriteInstance checks Azurite's).
        var folder = Path.Combine(NodeModules, package);
        var path = Path.Combine(folder, script);
        var pinned = Version(Path.Combine(NodeModules, "..", "package.json"), root => root.GetProperty("devDependencies").GetProperty(package));
        var installed = File.Exists(path) ? Version(Path.Combine(folder, "package.json"), root => root.GetProperty("version")) : null;
        if (!string.Equals(pinned, installed, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"{package} {pinned} is pinned in tests/tools/package.json but {installed ?? "nothing"} is installed: run `npm ci --prefix tests/tools` from the repository root.");
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("UPLOADS_NODE") is { Length: > 0 } node ? node : "node")
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(path);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing leaves the machine: no usage telemetry, no update check.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{package} did not finish within 2 minutes.");
        }

        return (process.ExitCode, await output, await errors);
    }
}
