using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// The newcomer commands: <c>scripts/run-local.sh</c> serves the documented local key on the ports it is given,
/// stops on SIGINT even when started in the background, and refuses a busy port, building what it runs in one
/// build; <c>scripts/mint-key.sh</c> mints a key from that build, and without an id prints usage.
/// </summary>
public sealed class LocalRunScriptTests
{
    /// <summary>The local key of local.settings.sample.json, as README.md documents it.</summary>
    private const string LocalKey = "upk_local-development-key-not-a-secret";

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool Listening(string port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task RunLocal_OtherPortsStartedInBackground_ServesLocalKeyThenStopsOnSigint()
    {
        var (api, blob, queue, table, sample) = (FreePort(), FreePort(), FreePort(), FreePort(), FreePort());
        var data = Directory.CreateTempSubdirectory("uploads-run-local-");
        // `scripts/run-local.sh &` from a non-interactive shell: bash starts the script with SIGINT ignored.
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepositoryRoot.Find() };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("scripts/run-local.sh --no-build & echo \"pid=$!\"; wait $!; echo \"exit=$?\"");
        start.Environment["API_PORT"] = api;
        start.Environment["SAMPLE_PORT"] = sample;
        start.Environment["AZURITE_BLOB_PORT"] = blob;
        start.Environment["AZURITE_QUEUE_PORT"] = queue;
        start.Environment["AZURITE_TABLE_PORT"] = table;
        start.Environment["AZURITE_LOCATION"] = data.FullName;
        start.Environment["CONFIGURATION"] = BuildOutput.Configuration;
        using var shell = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var pid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        shell.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            output.Enqueue(e.Data);
            if (e.Data.StartsWith("pid=", StringComparison.Ordinal))
            {
                pid.TrySetResult(int.Parse(e.Data[4..], System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        shell.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        shell.BeginOutputReadLine();
        shell.BeginErrorReadLine();
        try
        {
            var script = await pid.Task.WaitAsync(TimeSpan.FromSeconds(10));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}") };
            string? body = null;
            await Eventually.WithinAsync(
                async ct =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, HttpRoutes.UploadUrlPath)
                    {
                        Content = System.Net.Http.Json.JsonContent.Create(new { filename = "notes.txt", contentType = "text/plain" }),
                    };
                    request.Headers.Add("X-API-Key", LocalKey);
                    try
                    {
                        using var response = await http.SendAsync(request, ct);
                        body = response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync(ct) : null;
                    }
                    catch (HttpRequestException)
                    {
                        // Not listening yet.
                    }

                    return body is not null || shell.HasExited;
                },
                TimeSpan.FromSeconds(90),
                TimeSpan.FromMilliseconds(250));

            Assert.True(body is not null, "The local run never issued a URL:\n" + string.Join('\n', output));
            // The app talks to the Azurite of these ports (the environment's storage settings win over the file's).
            Assert.Contains($"127.0.0.1:{blob}/devstoreaccount1/uploads/local/", body, StringComparison.Ordinal);
            // The local run serves the committed OpenAPI document, without a key, at the URL its banner prints.
            Assert.Contains($"OpenAPI document: http://127.0.0.1:{api}/{HttpRoutes.OpenApiPath}", output);
            Assert.Equal(await File.ReadAllBytesAsync(OpenApiContract.DocumentPath), await http.GetByteArrayAsync(new Uri(HttpRoutes.OpenApiPath, UriKind.Relative)));

            // The browser sample serves its page, and storage accepts a preflight from the page's origin.
            string? page = null;
            await Eventually.WithinAsync(
                async ct =>
                {
                    try
                    {
                        page = await http.GetStringAsync(new Uri($"http://127.0.0.1:{sample}/"), ct);
                    }
                    catch (HttpRequestException)
                    {
                        // Not listening yet.
                    }

                    return page is not null || shell.HasExited;
                },
                TimeSpan.FromSeconds(60),
                TimeSpan.FromMilliseconds(250));

            Assert.True(page is not null && page.Contains("id=\"picker\"", StringComparison.Ordinal), "The browser sample never served its page:\n" + string.Join('\n', output));
            using (var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri($"http://127.0.0.1:{blob}/devstoreaccount1/uploads/local/x.txt")))
            {
                preflight.Headers.Add("Origin", $"http://127.0.0.1:{sample}");
                preflight.Headers.Add("Access-Control-Request-Method", "PUT");
                using var accepted = await http.SendAsync(preflight);
                Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            }

            using (var kill = Process.Start("kill", ["-INT", script.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await shell.WaitForExitAsync(timeout.Token);
            Assert.Contains("exit=0", output);
            Assert.False(Listening(api), "The API still listens.");
            Assert.False(Listening(blob), "Azurite still listens.");
            Assert.False(Listening(sample), "The browser sample still listens.");
        }
        finally
        {
            if (!shell.HasExited)
            {
                shell.Kill(entireProcessTree: true);
            }

            data.Delete(recursive: true);
        }
    }

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
        Assert.Contains("Usage: scripts/mint-key.sh <clientId>", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MintKeyScript_ClientId_PrintsKeyAndTheSettingOfItsHash()
    {
        BuildOutput.Of("Uploads.Admin", "Uploads.Admin.dll");

        // The admin tool that run-local.sh built, run without `dotnet run` (no build: the output above exists).
        var (exitCode, output) = await RunAsync("bash", [Path.Combine(RepositoryRoot.Find(), "scripts", "mint-key.sh"), "newcomer"], ("CONFIGURATION", BuildOutput.Configuration));

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("Building", output, StringComparison.Ordinal);
        var key = System.Text.RegularExpressions.Regex.Match(output, "upk_[A-Za-z0-9_-]{43}").Value;
        Assert.Contains($"ApiKeys__Clients__newcomer={Uploads.Core.Security.ApiKeyMinter.HashOf(key)}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void RunLocalBuild_SolutionFilter_HoldsEveryProjectTheScriptRuns()
    {
        var root = RepositoryRoot.Find();
        var script = File.ReadAllText(Path.Combine(root, "scripts", "run-local.sh"));
        using var filter = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "scripts", "run-local.slnf")));
        var projects = filter.RootElement.GetProperty("solution").GetProperty("projects").EnumerateArray()
            .Select(p => Path.GetFileNameWithoutExtension(p.GetString()!.Replace('\\', '/')))
            .ToHashSet(StringComparer.Ordinal);

        // One `dotnet build` of the filter: every build output the script (and scripts/mint-key.sh) runs is in it.
        Assert.Contains("dotnet build scripts/run-local.slnf", script, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(script, @"dotnet build "));
        foreach (var project in System.Text.RegularExpressions.Regex.Matches(script + File.ReadAllText(Path.Combine(root, "scripts", "mint-key.sh")), @"/(Uploads\.[A-Za-z]+)/bin/").Select(m => m.Groups[1].Value))
        {
            Assert.Contains(project, projects);
        }
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
