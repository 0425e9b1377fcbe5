using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator;
using Uploads.HostEmulator.Configuration;

// A local stand-in for the Azure Functions host (see README, "Local runs without Core Tools").
//
//   dotnet Uploads.HostEmulator.dll --script-root src/Uploads.Functions/bin/Release/net10.0 [--settings local.settings.json]
//       [--address 127.0.0.1] [--port 7071] [--blobs-extension-key KEY] [--managed-identity] [--trust-cert azurite.pem]
//       [--verbose]
//
// Exit codes: 0 stopped with Ctrl+C / SIGTERM; 2 bad arguments; 3 the worker did not start; otherwise the worker
// died (its exit code, or 1).
const string Usage = """
    Usage: Uploads.HostEmulator --script-root <worker build output> [options]
      --settings <file>             local.settings.json whose Values are the app settings (default: <script-root>/local.settings.json if present);
                                    a variable already set in the environment wins over the file, as with func start
      --address <ip>                address to listen on (default 127.0.0.1)
      --port <n>                    HTTP port (default: Host.LocalHttpPort of the settings, else 7071; 0 = any free port)
      --blobs-extension-key <key>   key of /runtime/webhooks/blobs (default: Values.BLOBS_EXTENSION_KEY, else local-blobs-extension-key)
      --managed-identity            serve IDENTITY_ENDPOINT/IDENTITY_HEADER to the worker (tokens for Azurite --oauth basic)
      --trust-cert <pem>            a certificate the worker trusts besides the system's (repeatable)
      --verbose                     debug logs
    """;

string? scriptRoot = null, settingsPath = null, blobsKey = null;
var address = IPAddress.Loopback;
int? port = null;
var managedIdentity = false;
var verbose = false;
var trusted = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    try
    {
        switch (args[i])
        {
            case "--script-root": scriptRoot = Next(); break;
            case "--settings": settingsPath = Next(); break;
            case "--address": address = IPAddress.Parse(Next()); break;
            case "--port": port = int.Parse(Next(), NumberStyles.None, CultureInfo.InvariantCulture); break;
            case "--blobs-extension-key": blobsKey = Next(); break;
            case "--managed-identity": managedIdentity = true; break;
            case "--trust-cert": trusted.Add(Path.GetFullPath(Next())); break;
            case "--verbose": verbose = true; break;
            case "-h" or "--help": Console.WriteLine(Usage); return 0;
            default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
        }
    }
    catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
    {
        Console.Error.WriteLine(ex.Message);
        Console.Error.WriteLine(Usage);
        return 2;
    }
}

if (scriptRoot is null || !Directory.Exists(scriptRoot))
{
    Console.Error.WriteLine(scriptRoot is null ? "--script-root is required." : $"No folder '{scriptRoot}'.");
    Console.Error.WriteLine(Usage);
    return 2;
}

settingsPath ??= Path.Combine(scriptRoot, "local.settings.json") is var candidate && File.Exists(candidate) ? candidate : null;
var settings = settingsPath is null ? LocalSettingsFile.Empty : LocalSettingsFile.Read(settingsPath);
var (values, skipped) = settings.ApplicableIn(Environment.GetEnvironmentVariable);
foreach (var name in skipped)
{
    // The worker inherits this process's environment, so the environment's value is the one it sees.
    Console.WriteLine($"Skipping '{name}' from local settings: already defined in the environment.");
}

var options = new EmulatorOptions
{
    AppDirectory = scriptRoot,
    Settings = values,
    Listen = new IPEndPoint(address, port ?? settings.LocalHttpPort ?? 7071),
    BlobsExtensionKey = blobsKey ?? Environment.GetEnvironmentVariable("BLOBS_EXTENSION_KEY") ?? (values.TryGetValue("BLOBS_EXTENSION_KEY", out var key) ? key : EmulatorOptions.DefaultBlobsExtensionKey),
    ManagedIdentity = managedIdentity ? new ManagedIdentityOptions() : null,
    TrustedCertificatePemFiles = trusted,
};

using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.TimestampFormat = "HH:mm:ss ";
    })
    .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information));

using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });

FunctionsHostEmulator emulator;
try
{
    emulator = await FunctionsHostEmulator.StartAsync(options, loggerFactory, stop.Token);
}
catch (WorkerStartException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 3;
}
catch (IOException ex)
{
    Console.Error.WriteLine($"Could not listen on {options.Listen}: {ex.Message} (is another process using the port? pass --port)");
    return 3;
}
catch (OperationCanceledException)
{
    return 0;
}

await using (emulator)
{
    var stopped = Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => 0, TaskScheduler.Default);
    var finished = await Task.WhenAny(emulator.Completion, stopped);
    var code = finished == emulator.Completion ? await emulator.Completion : 0;
    if (code != 0)
    {
        Console.Error.WriteLine($"The worker is gone (exit {code}); stopping.");
    }

    return code;
}
