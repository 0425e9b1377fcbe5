using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// The emulator as <c>scripts/run-local.sh</c> runs it (its own process, settings from a local.settings.json):
/// a worker that dies is reported and stops the emulator with a non-zero exit; a stopped emulator leaves no worker.
/// </summary>
public sealed partial class EmulatorLifecycleTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private AzuriteInstance? _azurite;
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("uploads-emulator-");

    public async Task InitializeAsync() => _azurite = await AzuriteInstance.StartAsync(AzuriteMode.SharedKey);

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }

        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Run_WorkerKilled_EmulatorReportsItAndExitsNonZero()
    {
        using var emulator = StartEmulator(out var output);
        var workerPid = await WorkerPidAsync(output);

        using (var worker = Process.GetProcessById(workerPid))
        {
            worker.Kill();
        }

        using var timeout = new CancellationTokenSource(Patience);
        await emulator.WaitForExitAsync(timeout.Token);
        Assert.NotEqual(0, emulator.ExitCode);
        Assert.Contains($"The worker process {workerPid} exited with code", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Interrupted_StopsWithZeroAndLeavesNoWorker()
    {
        using var emulator = StartEmulator(out var output);
        var workerPid = await WorkerPidAsync(output);

        Assert.Equal(0, Kill(emulator.Id, "INT"));
        using var timeout = new CancellationTokenSource(Patience);
        await emulator.WaitForExitAsync(timeout.Token);

        Assert.Equal(0, emulator.ExitCode);
        Assert.False(BuildOutput.IsRunning(workerPid), $"worker {workerPid} is still running after the emulator stopped");
    }

    private Process StartEmulator(out Output output)
    {
        var settings = Path.Combine(_folder.FullName, "local.settings.json");
        var values = FunctionsApp.StorageSettings(_azurite!);
        values["ApiKeys__Clients__acme"] = Uploads.Core.Security.ApiKeyMinter.HashOf(Uploads.Core.Security.ApiKeyMinter.Mint().Key);
        File.WriteAllText(settings, JsonSerializer.Serialize(new { IsEncrypted = false, Values = values }));

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { FunctionsApp.EmulatorAssembly, "--script-root", FunctionsApp.AppDirectory, "--settings", settings, "--port", "0" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var captured = new Output();
        process.OutputDataReceived += (_, e) => captured.Add(e.Data);
        process.ErrorDataReceived += (_, e) => captured.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = captured;
        return process;
    }

    private static async Task<int> WorkerPidAsync(Output output)
    {
        await Eventually.UntilAsync(() => output.Text.Contains("Functions host emulator on", StringComparison.Ordinal), Patience, "the emulator's ready line:" + Environment.NewLine + output.Text, TimeSpan.FromMilliseconds(100));

        return int.Parse(WorkerStarted().Match(output.Text).Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int Kill(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        return kill.ExitCode;
    }

    [GeneratedRegex(@"Worker process (?<pid>\d+) started")]
    private static partial Regex WorkerStarted();

    private sealed class Output
    {
        private readonly System.Text.StringBuilder _text = new();

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_text)
            {
                _text.AppendLine(line);
            }
        }
    }
}
