using System.Diagnostics;
using System.Text.Json;

namespace Uploads.EndToEnd.Tests.Support;

/// <summary>Runs the guide's Python examples (Python/guide_examples.py) with Debian's /usr/bin/python3.</summary>
internal static class PythonGuide
{
    private const string Python = "/usr/bin/python3";

    public sealed record Run(int ExitCode, IReadOnlyList<JsonElement> Results, string Output);

    public static async Task<Run> RunAsync(ApiHost host, string scenario, params string[] files)
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException("Debian's python3 is missing: apt-get install python3 python3-requests python3-aiohttp python3-azure");
        }

        var script = Path.Combine(AppContext.BaseDirectory, "Python", "guide_examples.py");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(scenario);
        foreach (var file in files)
        {
            start.ArgumentList.Add(file);
        }

        // Only API_BASE and the key change; the CA bundle lets Python trust the test Azurite's self-signed certificate.
        start.Environment["API_BASE"] = host.BaseAddress.ToString().TrimEnd('/');
        start.Environment["API_KEY"] = host.ApiKey;
        start.Environment["REQUESTS_CA_BUNDLE"] = host.Azurite.CertificatePemPath;
        start.Environment["SSL_CERT_FILE"] = host.Azurite.CertificatePemPath;
        start.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        var results = (await stdout)
            .Split('\n')
            .Where(line => line.StartsWith("RESULT ", StringComparison.Ordinal))
            .Select(line => JsonDocument.Parse(line["RESULT ".Length..]).RootElement.Clone())
            .ToList();
        return new Run(process.ExitCode, results, output);
    }
}
