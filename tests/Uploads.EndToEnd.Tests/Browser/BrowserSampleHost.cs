using System.Diagnostics;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Browser;

/// <summary>
/// The real worker (shared-key Azurite over HTTP, as <c>scripts/run-local.sh</c> runs it) plus the browser sample's
/// backend (samples/Uploads.BrowserSample, built) as a process on its own loopback port, holding the API key and
/// setting the template's CORS rule on Azurite for its origin <c>http://127.0.0.1:PORT</c>, as the local run does.
/// </summary>
public sealed class BrowserSampleHost : ApiHost
{
    private SampleProcess? _sample;

    public BrowserSampleHost()
        : base(AzuriteMode.SharedKey)
    {
    }

    public int SamplePort => SampleOrigin.Port;

    /// <summary>The page's origin, the one the storage CORS rule allows.</summary>
    public Uri SampleOrigin => Sample.Origin;

    public SampleProcess Sample => _sample ?? throw new InvalidOperationException("Not started.");

    /// <summary>Where <see cref="DriveAsync"/> writes the driver's timings (the running test's output).</summary>
    public Xunit.Abstractions.ITestOutputHelper? Output { get; set; }

    public string SampleOutput => Sample.Output;

    /// <summary>What the sample needs to reach this host's API with its key.</summary>
    public Dictionary<string, string> ApiEnvironment() => new()
    {
        ["UPLOADS_API_BASE"] = BaseAddress.ToString(),
        ["UPLOADS_API_KEY"] = ApiKey,
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var origin = new Uri($"http://127.0.0.1:{SampleProcess.FreePort()}");
        var environment = ApiEnvironment();
        environment["LocalStorageCors__ConnectionString"] = Azurite.ConnectionString;
        environment["LocalStorageCors__Origins"] = origin.GetLeftPart(UriPartial.Authority);
        _sample = await SampleProcess.StartAsync(origin, environment);
    }

    public override async Task DisposeAsync()
    {
        if (_sample is not null)
        {
            await _sample.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    /// <summary>Runs tests/tools/browser/drive-upload-page.js with headless Chromium; returns its JSON report.</summary>
    public async Task<JsonElement> DriveAsync(object input)
    {
        var node = Environment.GetEnvironmentVariable("UPLOADS_NODE") is { Length: > 0 } n ? n : "node";
        var start = new ProcessStartInfo(node) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot.Find(), "tests", "tools", "browser", "drive-upload-page.js"));
        start.ArgumentList.Add(JsonSerializer.Serialize(input, JsonSerializerOptions.Web));
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The browser driver did not finish in 120 s: {await stderr}");
        }

        Assert.True(process.ExitCode == 0, $"The browser driver failed ({process.ExitCode}): {await stderr}{Environment.NewLine}Sample: {SampleOutput}");
        var report = JsonDocument.Parse(await stdout).RootElement.Clone();
        Output?.WriteLine($"chromium launched in {report.GetProperty("launchMs")} ms; phases ended at {string.Join(", ", report.GetProperty("phases").EnumerateArray().Select(p => p.TryGetProperty("elapsedMs", out var e) ? e.ToString() : "?"))} ms");
        return report;
    }

    /// <summary>Debian's chromium (installed by .ci/run), or UPLOADS_CHROMIUM.</summary>
    public static string Chromium =>
        Environment.GetEnvironmentVariable("UPLOADS_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
}
