using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
    private Process? _sample;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _sampleOutput = new();

    public BrowserSampleHost()
        : base(AzuriteMode.SharedKey)
    {
    }

    public int SamplePort { get; private set; }

    /// <summary>The page's origin, the one the storage CORS rule allows.</summary>
    public Uri SampleOrigin => new($"http://127.0.0.1:{SamplePort}");

    /// <summary>Where <see cref="DriveAsync"/> writes the driver's timings (the running test's output).</summary>
    public Xunit.Abstractions.ITestOutputHelper? Output { get; set; }

    public string SampleOutput => string.Join(Environment.NewLine, _sampleOutput);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            SamplePort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(BuildOutput.Of("Uploads.BrowserSample", "Uploads.BrowserSample.dll", "samples"));
        start.Environment["ASPNETCORE_URLS"] = SampleOrigin.ToString();
        start.Environment["UPLOADS_API_BASE"] = BaseAddress.ToString();
        start.Environment["UPLOADS_API_KEY"] = ApiKey;
        start.Environment["LocalStorageCors__ConnectionString"] = Azurite.ConnectionString;
        start.Environment["LocalStorageCors__Origins"] = SampleOrigin.GetLeftPart(UriPartial.Authority);
        _sample = Process.Start(start)!;
        _sample.OutputDataReceived += (_, e) => { if (e.Data is not null) { _sampleOutput.Enqueue(e.Data); } };
        _sample.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _sampleOutput.Enqueue(e.Data); } };
        _sample.BeginOutputReadLine();
        _sample.BeginErrorReadLine();

        // Kestrel listens only after the hosted services (the CORS rule) have run: a page means CORS is set.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var served = false;
        await Eventually.WithinAsync(
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync(SampleOrigin);
                    served = response.StatusCode == HttpStatusCode.OK;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet, or not answering within the request's 2 s yet (a loaded machine).
                }

                return served || _sample.HasExited;
            },
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(100));
        if (!served)
        {
            throw new InvalidOperationException($"The browser sample did not serve its page:{Environment.NewLine}{SampleOutput}");
        }
    }

    public override async Task DisposeAsync()
    {
        if (_sample is { HasExited: false })
        {
            _sample.Kill(entireProcessTree: true);
            await _sample.WaitForExitAsync();
        }

        _sample?.Dispose();
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
