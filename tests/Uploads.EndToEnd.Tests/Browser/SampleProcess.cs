using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Browser;

/// <summary>
/// The built browser sample (samples/Uploads.BrowserSample) as a process listening on <see cref="Origin"/>, started
/// with the given environment; ready once it serves its page (after its hosted services, the CORS rule, have run).
/// </summary>
public sealed class SampleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private SampleProcess(Process process, Uri origin)
    {
        _process = process;
        Origin = origin;
    }

    public Uri Origin { get; }

    /// <summary>What the sample wrote so far (its log).</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>Starts the sample on <paramref name="origin"/> (http or https on 127.0.0.1) and waits for its page.</summary>
    /// <param name="handler">Makes the handler that reaches it (e.g. one trusting a test certificate); null: the default.</param>
    public static async Task<SampleProcess> StartAsync(Uri origin, IReadOnlyDictionary<string, string> environment, Func<HttpMessageHandler>? handler = null)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(BuildOutput.Of("Uploads.BrowserSample", "Uploads.BrowserSample.dll", "samples"));
        start.Environment["ASPNETCORE_URLS"] = origin.ToString();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var sample = new SampleProcess(Process.Start(start)!, origin);
        sample._process.OutputDataReceived += (_, e) => { if (e.Data is not null) { sample._output.Enqueue(e.Data); } };
        sample._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { sample._output.Enqueue(e.Data); } };
        sample._process.BeginOutputReadLine();
        sample._process.BeginErrorReadLine();

        using var http = new HttpClient(handler?.Invoke() ?? new HttpClientHandler()) { Timeout = TimeSpan.FromSeconds(10) };
        // Kestrel listens only after the hosted services (the CORS rule) have run: a page means CORS is set.
        var served = false;
        await Eventually.WithinAsync(
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync(origin);
                    served = response.StatusCode == HttpStatusCode.OK;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet, or too slow to answer on a loaded machine: ask again.
                }

                return served || sample._process.HasExited;
            },
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(100));
        if (!served)
        {
            var output = sample.Output;
            await sample.DisposeAsync();
            throw new InvalidOperationException($"The browser sample did not serve its page:{Environment.NewLine}{output}");
        }

        return sample;
    }

    /// <summary>A free loopback port (the listener is closed again before the sample takes it).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
