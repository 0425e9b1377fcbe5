using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Uploads.Benchmarks.Support;
using Uploads.Core.Verification;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--sha256-cost</c>: what the end-to-end SHA-256 adds to the check of a presigned upload. One blob per size (a
/// scaled MP4: the sniffer reads a few ranges of it, the hash all of it) is checked alternately by the app's services
/// with <c>Verification:ComputeSha256=declared</c> and no declaration (the sniffer alone, the baseline) and with
/// <c>always</c> (sniffer + hash), against Azurite; between checks its metadata is touched (a new ETag: pending again).
/// Reported per check: wall time, this process's CPU time (the verifier runs in it; Azurite is a process of its own),
/// bytes read; then the difference per GiB, and SHA-256 of the same bytes in memory (the floor).
/// Options: <c>--sizes 268435456,1073741824</c>, <c>--repeat 3</c>, <c>--mode OAuthHttps|SharedKey</c>.
/// </summary>
internal static class Sha256Cost
{
    private const long MiB = 1024 * 1024;
    private const double GiB = 1024.0 * 1024 * 1024;

    public static async Task<int> RunAsync(Args args)
    {
        var sizes = args.Get("--sizes") is { } s
            ? s.Split(',').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray()
            : [256 * MiB, 1024 * MiB];
        var repeat = args.Int("--repeat", 3);
        var mode = Enum.Parse<AzuriteMode>(args.Get("--mode") ?? nameof(AzuriteMode.OAuthHttps));
        var kind = ScaledFiles.Kinds.First(k => k.Name == "mp4");
        var source = await File.ReadAllBytesAsync(Path.Combine(TestFixtures.CorpusDirectory, kind.CorpusFile)).ConfigureAwait(false);

        await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
        await using var declared = await UploadsServices.StartAsync(azurite).ConfigureAwait(false);
        await using var always = await UploadsServices.StartAsync(azurite, new Dictionary<string, string?> { ["Verification:ComputeSha256"] = "always" }).ConfigureAwait(false);
        var uploads = azurite.CreateServiceClient().GetBlobContainerClient("uploads");

        Console.WriteLine($"SHA-256 on the presigned path: UploadVerifier.VerifyAsync against Azurite ({mode}), {Environment.ProcessorCount} processors, {repeat} checks per row.");
        Console.WriteLine();
        Console.WriteLine("| size | ComputeSha256 | verdict | BytesRead | wall s (median) | CPU s (median) |");
        Console.WriteLine("|---:|---|---|---:|---:|---:|");
        var failures = 0;
        var extra = new List<string>();
        foreach (var size in sizes)
        {
            var blobPath = $"bench/{Guid.NewGuid():N}/video-{size}.mp4";
            var blob = uploads.GetBlockBlobClient(blobPath);
            var stream = await blob.OpenWriteAsync(overwrite: true, new BlockBlobOpenWriteOptions { BufferSize = 8 * (int)MiB, HttpHeaders = new BlobHttpHeaders { ContentType = kind.MediaType } }).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await kind.Write(source, size, stream, new Random(1)).ConfigureAwait(false);
            }

            var length = (await blob.GetPropertiesAsync().ConfigureAwait(false)).Value.ContentLength;
            var runs = new Dictionary<string, List<(double Wall, double Cpu, long Bytes, string Verdict)>> { ["declared"] = [], ["always"] = [] };
            for (var run = 0; run < repeat; run++)
            {
                foreach (var (setting, services) in new[] { ("declared", declared), ("always", always) })
                {
                    // A new ETag: the verdict no longer applies, the next check reads the blob again.
                    await blob.SetMetadataAsync(new Dictionary<string, string> { ["run"] = $"{setting}{run}" }).ConfigureAwait(false);
                    var process = Process.GetCurrentProcess();
                    var cpu = process.TotalProcessorTime;
                    var watch = Stopwatch.StartNew();
                    var result = await services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None).ConfigureAwait(false);
                    watch.Stop();
                    process.Refresh();
                    var verdict = result.Status is { } status ? UploadStates.NameOf(status.Status) : "none";
                    failures += result.Decided && verdict == "verified" ? 0 : 1;
                    runs[setting].Add((watch.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds, result.BytesRead, verdict + (result.Status?.Sha256 is null ? "" : ", sha256")));
                }
            }

            foreach (var (setting, measured) in runs)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {length:N0} | {setting} | {measured[0].Verdict} | {measured[0].Bytes:N0} | {Median(measured.Select(m => m.Wall)):0.00} | {Median(measured.Select(m => m.Cpu)):0.00} |"));
            }

            var gib = length / GiB;
            extra.Add(string.Create(CultureInfo.InvariantCulture,
                $"- {length:N0} bytes: the SHA-256 adds {(Median(runs["always"].Select(m => m.Wall)) - Median(runs["declared"].Select(m => m.Wall))) / gib:0.00} s wall and {(Median(runs["always"].Select(m => m.Cpu)) - Median(runs["declared"].Select(m => m.Cpu))) / gib:0.00} s CPU per GiB"));
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots).ConfigureAwait(false);
        }

        Console.WriteLine();
        foreach (var line in extra)
        {
            Console.WriteLine(line);
        }

        // The floor: SHA-256 of 1 GiB already in memory, on one core.
        var buffer = new byte[64 * MiB];
        new Random(1).NextBytes(buffer);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var floor = Stopwatch.StartNew();
        for (var i = 0; i < 16; i++)
        {
            hash.AppendData(buffer);
        }

        _ = hash.GetHashAndReset();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- SHA-256 of 1 GiB in memory (IncrementalHash, one core): {floor.Elapsed.TotalSeconds:0.00} s"));
        return failures == 0 ? 0 : 1;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
