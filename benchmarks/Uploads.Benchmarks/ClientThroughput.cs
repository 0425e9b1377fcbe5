using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Uploads.Benchmarks.Support;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--client-throughput</c>: one large file (1 GiB by default, a well-formed MP4 written to /tmp, deleted at the end)
/// uploaded through the real app (built worker under the host emulator, Azurite, OAuthHttps by default) three ways in
/// one run: the <c>uploads</c> CLI (<c>put --presigned --json</c>: parallel blocks), the guide's single PUT
/// (<c>requests.put</c>) and the guide's Azure SDK <c>upload_blob</c>, both with Debian's /usr/bin/python3, each as
/// the guide writes it (URL request included). Each is a process of its own, timed from launch to exit; every blob is
/// deleted after its row so Azurite holds one at a time. Then resume: the CLI is killed (SIGKILL) once its journal
/// records half of the blocks staged, storage's uncommitted block list is read, and the same <c>put</c> run again;
/// its <c>blocksSent</c>/<c>blocksResumed</c> and time are set against the uninterrupted CLI row.
/// Options: <c>--size 1073741824</c>, <c>--parallel 4</c> (the CLI's default), <c>--mode OAuthHttps|SharedKey</c>.
/// </summary>
internal static class ClientThroughput
{
    private const string Python = "/usr/bin/python3";

    // The guide's two upload functions ("Upload a file using a presigned URL", "Handling large files"), unchanged
    // but for API_BASE/API_KEY from the environment; prints the blobPath.
    private const string GuideScript = """
        import os, sys
        from pathlib import Path
        import requests
        from azure.storage.blob import BlobClient

        API_KEY = os.environ["API_KEY"]
        API_BASE = os.environ["API_BASE"]

        def request_url(file_path):
            file = Path(file_path)
            response = requests.post(
                f"{API_BASE}/api/integrations/uploads/url",
                headers={"X-API-Key": API_KEY},
                json={"filename": file.name, "contentType": "video/mp4"},
            )
            response.raise_for_status()
            return response.json()

        def upload_file_with_presigned_url(file_path):
            data = request_url(file_path)
            with open(file_path, "rb") as f:
                upload_response = requests.put(data["uploadUrl"], headers={"x-ms-blob-type": "BlockBlob"}, data=f)
                upload_response.raise_for_status()
            return data["blobPath"]

        def upload_large_file(file_path):
            data = request_url(file_path)
            blob_client = BlobClient.from_blob_url(data["uploadUrl"])
            with open(file_path, "rb") as f:
                blob_client.upload_blob(f, overwrite=True)
            return data["blobPath"]

        how, path = sys.argv[1], sys.argv[2]
        print((upload_file_with_presigned_url if how == "put" else upload_large_file)(path))
        """;

    public static async Task<int> RunAsync(Args args)
    {
        var size = long.Parse(args.Get("--size") ?? "1073741824", CultureInfo.InvariantCulture);
        var parallel = args.Int("--parallel", 4);
        var mode = Enum.Parse<AzuriteMode>(args.Get("--mode") ?? nameof(AzuriteMode.OAuthHttps));
        if (!File.Exists(Python))
        {
            await Console.Error.WriteLineAsync("Needs Debian's python3 with python3-requests and python3-azure (apt-get install python3-requests python3-azure).").ConfigureAwait(false);
            return 2;
        }

        var work = Directory.CreateTempSubdirectory("uploads-client-throughput-");
        try
        {
            var file = Path.Combine(work.FullName, "recording.mp4");
            var script = Path.Combine(work.FullName, "guide_upload.py");
            await File.WriteAllTextAsync(script, GuideScript).ConfigureAwait(false);
            await WriteFileAsync(file, size).ConfigureAwait(false);

            await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
            await WorkerUnderTest.CreateContainersAsync(azurite).ConfigureAwait(false);
            await using var worker = await WorkerUnderTest.StartAsync(azurite).ConfigureAwait(false);
            var uploads = azurite.CreateServiceClient().GetBlobContainerClient("uploads");
            var env = Environment(worker, azurite);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Client throughput: {size:N0} bytes (MP4), Azurite {mode}, built worker under the host emulator, {System.Environment.ProcessorCount} cores shared with other work; one run each, in this order."));
            Console.WriteLine();
            Console.WriteLine("| client | seconds | MB/s (10^6 B) | vs. single PUT | vs. SDK upload_blob | blocks | storage blob bytes |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");

            var rows = new List<(string Name, double Seconds, string Blocks, long Stored)>();
            var cli = await RunProcessAsync("dotnet", [BuildOutput.Of("Uploads.Cli", "Uploads.Cli.dll"), "put", file, "--presigned", "--json", "--parallel", parallel.ToString(CultureInfo.InvariantCulture)], env).ConfigureAwait(false);
            var cliOutcome = Outcome(cli);
            rows.Add(($"uploads CLI, put --presigned --parallel {parallel}", cli.Seconds, cliOutcome.GetProperty("blocksSent").GetInt32().ToString(CultureInfo.InvariantCulture), await StoredAndDeleteAsync(uploads, cliOutcome.GetProperty("blobPath").GetString()!).ConfigureAwait(false)));
            var put = await RunProcessAsync(Python, [script, "put", file], env).ConfigureAwait(false);
            rows.Add(("guide: requests.put (single PUT)", put.Seconds, "1 (Put Blob)", await StoredAndDeleteAsync(uploads, put.Stdout.Trim()).ConfigureAwait(false)));
            var sdk = await RunProcessAsync(Python, [script, "sdk", file], env).ConfigureAwait(false);
            var sdkBlocks = await CommittedBlocksAsync(uploads, sdk.Stdout.Trim()).ConfigureAwait(false);
            rows.Add(("guide: Azure SDK upload_blob", sdk.Seconds, sdkBlocks.ToString(CultureInfo.InvariantCulture), await StoredAndDeleteAsync(uploads, sdk.Stdout.Trim()).ConfigureAwait(false)));
            foreach (var (name, seconds, blocks, stored) in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {seconds:0.0} | {size / seconds / 1e6:0.0} | {put.Seconds / seconds:0.00} | {sdk.Seconds / seconds:0.00} | {blocks} | {stored:N0} |"));
            }

            Console.WriteLine();
            Console.WriteLine("(ratios: that client's throughput divided by the single PUT's / the SDK's; above 1 is faster)");
            Console.WriteLine();
            await ResumeAsync(file, parallel, env, uploads, cli.Seconds, cliOutcome.GetProperty("blocksSent").GetInt32(), size).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task ResumeAsync(string file, int parallel, Dictionary<string, string> env, Azure.Storage.Blobs.BlobContainerClient uploads, double fullSeconds, int fullBlocks, long size)
    {
        var journalPath = file + ".upload.json";
        var arguments = new[] { BuildOutput.Of("Uploads.Cli", "Uploads.Cli.dll"), "put", file, "--presigned", "--json", "--parallel", parallel.ToString(CultureInfo.InvariantCulture) };
        var start = Start("dotnet", arguments, env);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var drained = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        int staged = 0, total = 0;
        string? blobPath = null;
        while (!process.HasExited)
        {
            if (ReadJournal(journalPath) is { } journal)
            {
                (blobPath, staged, total) = journal;
                if (total > 0 && staged * 2 >= total)
                {
                    process.Kill();
                    break;
                }
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        await process.WaitForExitAsync().ConfigureAwait(false);
        var interruptedSeconds = clock.Elapsed.TotalSeconds;
        await drained.ConfigureAwait(false);
        if (blobPath is null)
        {
            Console.WriteLine("Resume: the CLI finished before its journal showed half of the blocks; nothing measured (use a larger --size).");
            return;
        }

        // Requests in flight when the process died may still land: let storage settle before reading what it holds.
        await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        var held = await UncommittedAsync(uploads, blobPath).ConfigureAwait(false);
        var resumed = await RunProcessAsync("dotnet", arguments, env).ConfigureAwait(false);
        var outcome = Outcome(resumed);
        var sent = outcome.GetProperty("blocksSent").GetInt32();
        var skipped = outcome.GetProperty("blocksResumed").GetInt32();
        var stored = await StoredAndDeleteAsync(uploads, outcome.GetProperty("blobPath").GetString()!).ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Resume after an interruption at 50 %: the CLI killed (SIGKILL) after {interruptedSeconds:0.0} s, when its journal listed {staged} of {total} blocks staged; storage then held {held.Count} uncommitted blocks ({held.Bytes:N0} bytes)."));
        Console.WriteLine();
        Console.WriteLine("| run | blocks sent | blocks reused | bytes sent | seconds | committed blob bytes |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| from scratch (the CLI row above) | {fullBlocks} | 0 | {size:N0} | {fullSeconds:0.0} | {size:N0} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| resumed: the same put rerun | {sent} | {skipped} | {size - held.Bytes:N0} | {resumed.Seconds:0.0} | {stored:N0} |"));
        Console.WriteLine();
        if (skipped != held.Count)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(storage's list, read before the rerun, had {held.Count} blocks, the rerun reused {skipped}: bytes sent is then approximate)"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"The resumed run sent {100.0 * sent / fullBlocks:0} % of the blocks and took {100.0 * resumed.Seconds / fullSeconds:0} % of the from-scratch time (interrupted run + resume: {interruptedSeconds + resumed.Seconds:0.0} s)."));
    }

    private static (string BlobPath, int Staged, int Total)? ReadJournal(string path)
    {
        try
        {
            using var journal = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = journal.RootElement;
            var blockBytes = root.GetProperty("blockBytes").GetInt64();
            var total = (int)((root.GetProperty("sizeBytes").GetInt64() + blockBytes - 1) / blockBytes);
            return (root.GetProperty("blobPath").GetString()!, root.GetProperty("stagedBlocks").GetArrayLength(), total);
        }
        catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null; // not written yet, or being replaced
        }
    }

    private static Dictionary<string, string> Environment(WorkerUnderTest worker, AzuriteInstance azurite)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["UPLOADS_API_BASE"] = worker.App.BaseAddress.ToString(),
            ["UPLOADS_API_KEY"] = worker.ApiKey,
            ["API_BASE"] = worker.App.BaseAddress.ToString().TrimEnd('/'),
            ["API_KEY"] = worker.ApiKey,
            ["NO_PROXY"] = "127.0.0.1,localhost",
        };
        if (azurite.CertificatePemPath is { } pem)
        {
            env["SSL_CERT_FILE"] = pem;
            env["REQUESTS_CA_BUNDLE"] = pem;
        }

        return env;
    }

    private static ProcessStartInfo Start(string program, IEnumerable<string> arguments, Dictionary<string, string> env)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in env)
        {
            start.Environment[name] = value;
        }

        start.Environment.Remove("PYTHONPATH");
        return start;
    }

    private static async Task<(double Seconds, string Stdout)> RunProcessAsync(string program, IEnumerable<string> arguments, Dictionary<string, string> env)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(Start(program, arguments, env))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
        }

        return (seconds, await stdout.ConfigureAwait(false));
    }

    /// <summary>The file's <c>--json</c> line (the first; the run's summary line follows it).</summary>
    private static JsonElement Outcome((double Seconds, string Stdout) run) => JsonDocument.Parse(run.Stdout.Split('\n')[0]).RootElement.Clone();

    private static async Task WriteFileAsync(string path, long size)
    {
        var mp4 = ScaledFiles.Kinds.Single(k => k.Name == "mp4");
        var source = await File.ReadAllBytesAsync(TestFixtures.CorpusFile(mp4.CorpusFile)).ConfigureAwait(false);
        await using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        await mp4.Write(source, size, output, new Random(1)).ConfigureAwait(false);
    }

    private static async Task<long> StoredAndDeleteAsync(Azure.Storage.Blobs.BlobContainerClient uploads, string blobPath)
    {
        var blob = uploads.GetBlobClient(blobPath);
        var length = (await blob.GetPropertiesAsync().ConfigureAwait(false)).Value.ContentLength;
        await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots).ConfigureAwait(false);
        return length;
    }

    private static async Task<int> CommittedBlocksAsync(Azure.Storage.Blobs.BlobContainerClient uploads, string blobPath)
    {
        var list = await uploads.GetBlockBlobClient(blobPath).GetBlockListAsync(BlockListTypes.Committed).ConfigureAwait(false);
        return list.Value.CommittedBlocks.Count();
    }

    private static async Task<(int Count, long Bytes)> UncommittedAsync(Azure.Storage.Blobs.BlobContainerClient uploads, string blobPath)
    {
        var list = await uploads.GetBlockBlobClient(blobPath).GetBlockListAsync(BlockListTypes.Uncommitted).ConfigureAwait(false);
        var blocks = list.Value.UncommittedBlocks.ToList();
        return (blocks.Count, blocks.Sum(b => b.SizeLong));
    }
}
