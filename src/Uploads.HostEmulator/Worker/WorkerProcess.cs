using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Uploads.HostEmulator.Worker;

/// <summary>
/// The worker process, started the way the Functions host starts a <c>dotnet-isolated</c> worker: the executable and
/// assembly named by <c>worker.config.json</c> in the app's folder, that folder as working directory, the host's
/// gRPC endpoint in both argument forms, and the app settings plus <c>FUNCTIONS_APPLICATION_DIRECTORY</c> and
/// <c>FUNCTIONS_WORKER_DIRECTORY</c> in its environment. Disposing it kills the process tree.
/// </summary>
internal sealed partial class WorkerProcess : IAsyncDisposable
{
    /// <summary>What the host passes as <c>--grpcMaxMessageLength</c>.</summary>
    public const int GrpcMaxMessageLength = int.MaxValue;

    private readonly Process _process;
    private readonly OutputTail _output = new(200);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private int _disposed;

    private WorkerProcess(Process process, ILogger logger)
    {
        _process = process;
        _logger = logger;
    }

    public int Id { get; private set; }

    /// <summary>Completes with the exit code when the process exits, for whatever reason.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>The last lines the worker wrote to stdout and stderr.</summary>
    public string RecentOutput => _output.ToString();

    public static WorkerProcess Start(string appDirectory, Uri grpcEndpoint, string workerId, IReadOnlyDictionary<string, string> environment, ILogger logger)
    {
        var (executable, workerPath) = ReadWorkerConfig(appDirectory);
        var requestId = Guid.NewGuid().ToString();
        var maxLength = GrpcMaxMessageLength.ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = appDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in new[]
        {
            workerPath,
            "--host", grpcEndpoint.Host, "--port", grpcEndpoint.Port.ToString(CultureInfo.InvariantCulture),
            "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", maxLength,
            "--functions-uri", grpcEndpoint.AbsoluteUri, "--functions-worker-id", workerId,
            "--functions-request-id", requestId, "--functions-grpc-max-message-length", maxLength,
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory;
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, logger);
        process.OutputDataReceived += (_, e) => worker.OnOutput(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => worker.OnOutput(e.Data, isError: true);
        // Completed only once stdout and stderr are drained (WaitForExitAsync waits for both), so that the message
        // about a worker that died holds its last words.
        process.Exited += (_, _) => _ = Task.Run(async () =>
        {
            await process.WaitForExitAsync().ConfigureAwait(false);
            worker._exited.TrySetResult(SafeExitCode(process));
        });
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start the worker '{executable} {workerPath}'.");
        }

        worker.Id = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        WorkerRegistry.Record(process.Id, workerId);
        Log.Started(logger, process.Id, executable, workerPath);
        return worker;
    }

    /// <summary>Asks nothing: kills the process tree and waits for it (the host's WorkerTerminate comes before this).</summary>
    public async Task StopAsync(TimeSpan gracePeriod)
    {
        try
        {
            await _exited.Task.WaitAsync(gracePeriod).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Kill();
        try
        {
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Kill was sent; the OS finishes it.
        }

        WorkerRegistry.Forget(Id);
        _process.Dispose();
    }

    private void OnOutput(string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }

        _output.Add(isError ? "stderr: " + line : line);
        if (isError)
        {
            Log.StandardError(_logger, line);
        }
        else
        {
            Log.StandardOutput(_logger, line);
        }
    }

    private static int SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    private static (string Executable, string WorkerPath) ReadWorkerConfig(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "worker.config.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"'{path}' is missing: the script root must be the BUILD OUTPUT of a Functions isolated worker (e.g. src/Uploads.Functions/bin/Release/net10.0), not its source folder.",
                path);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var description = document.RootElement.GetProperty("description");
        var executable = description.TryGetProperty("defaultExecutablePath", out var e) ? e.GetString() : null;
        var workerPath = description.TryGetProperty("defaultWorkerPath", out var w) ? w.GetString() : null;
        if (string.IsNullOrWhiteSpace(executable) || string.IsNullOrWhiteSpace(workerPath))
        {
            throw new InvalidOperationException($"'{path}' names no defaultExecutablePath and defaultWorkerPath.");
        }

        return (executable, workerPath);
    }

    /// <summary>The last lines of a process's output, for the message when it fails.</summary>
    private sealed class OutputTail(int capacity)
    {
        private readonly Queue<string> _lines = new();

        public void Add(string line)
        {
            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > capacity)
                {
                    _lines.Dequeue();
                }
            }
        }

        public override string ToString()
        {
            lock (_lines)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7001, EventName = "WorkerStarted", Level = LogLevel.Information, Message = "Worker process {ProcessId} started: {Executable} {WorkerPath}")]
        public static partial void Started(ILogger logger, int processId, string executable, string workerPath);

        [LoggerMessage(EventId = 7002, EventName = "WorkerStdout", Level = LogLevel.Debug, Message = "worker: {Line}")]
        public static partial void StandardOutput(ILogger logger, string line);

        [LoggerMessage(EventId = 7003, EventName = "WorkerStderr", Level = LogLevel.Warning, Message = "worker stderr: {Line}")]
        public static partial void StandardError(ILogger logger, string line);
    }
}
