using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Uploads.Benchmarks.Support;
using Uploads.Core.Verification;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--verification-bytes</c>: how much one post-upload verification (<see cref="UploadVerifier.VerifyAsync"/>, the Blob
/// trigger's work) reads from storage, for blobs from 1 KiB to 1 GiB of several types, against Azurite in
/// <see cref="AzuriteMode.OAuthHttps"/> (the app's identity-based client, as in Azure). Each blob is uploaded fresh
/// (unverified), verified once, measured (bytes the sniffer read, storage requests by operation, time), then deleted.
/// Options: <c>--sizes 1024,1048576,...</c>, <c>--kinds mp4,pdf,...</c> (row labels, prefix match), <c>--mode SharedKey</c>.
/// </summary>
internal static class VerificationBytes
{
    public static async Task<int> RunAsync(Args args)
    {
        var sizes = args.Get("--sizes") is { } s
            ? s.Split(',').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray()
            : [ByteSize.KiB, ByteSize.MiB, 100 * ByteSize.MiB, ByteSize.GiB];
        var kinds = args.List("--kinds");
        var mode = Enum.Parse<AzuriteMode>(args.Get("--mode") ?? nameof(AzuriteMode.OAuthHttps));
        var corpus = TestFixtures.CorpusDirectory;

        await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
        await using var services = await UploadsServices.StartAsync(azurite).ConfigureAwait(false);
        var verifier = services.Get<UploadVerifier>();
        // Files are written with the account key through Azurite's pinned transport (not counted: another client).
        var writer = azurite.CreateServiceClient();
        var uploads = writer.GetBlobContainerClient("uploads");
        var quarantine = writer.GetBlobContainerClient("quarantine");
        var random = new Random(20_240_601);

        Console.WriteLine($"Bytes read per verification: UploadVerifier.VerifyAsync against Azurite ({mode}), one fresh blob per row.");
        Console.WriteLine();
        // Exactly the table of docs/measurements.md, section 3.
        Console.WriteLine("| type | size (bytes) | verdict | detected | BytesRead | storage requests (range GETs) | requests by operation | verify ms |");
        Console.WriteLine("|---|---:|---|---|---:|---:|---|---:|");

        // Warm-up (JIT, connections): one small verification, not reported.
        await MeasureAsync(ScaledFiles.Kinds.First(k => k.Name == "pdf"), corpus, 4 * ByteSize.KiB, uploads, quarantine, verifier, services, random, print: false).ConfigureAwait(false);

        var failures = 0;
        foreach (var kind in ScaledFiles.Kinds.Where(k => kinds.Count == 0 || kinds.Any(n => k.Name.StartsWith(n, StringComparison.OrdinalIgnoreCase))))
        {
            // Plus a row at the category's own limit when it lies between the sizes above (audio: 500 MiB).
            var limit = UploadPolicy.MaxBytes(UploadPolicy.AllowedTypes.First(t => t.MediaType == kind.MediaType).Category);
            var rows = sizes.Contains(limit) || limit < sizes.Min() || limit > sizes.Max() ? sizes : [.. sizes.Append(limit).Order()];
            foreach (var size in rows)
            {
                failures += await MeasureAsync(kind, corpus, size, uploads, quarantine, verifier, services, random, print: true).ConfigureAwait(false);
            }
        }

        Console.WriteLine();
        foreach (var kind in ScaledFiles.Kinds)
        {
            Console.WriteLine($"- {kind.Name}: {kind.CorpusFile}: {kind.How}.");
        }

        return failures == 0 ? 0 : 1;
    }

    /// <summary>Writes each kind at <c>--size</c> bytes (default 2 MiB) into <paramref name="directory"/>.</summary>
    public static async Task<int> WriteFilesAsync(string directory, Args args)
    {
        var size = long.Parse(args.Get("--size") ?? (2 * ByteSize.MiB).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var corpus = TestFixtures.CorpusDirectory;
        Directory.CreateDirectory(directory);
        foreach (var kind in ScaledFiles.Kinds)
        {
            var source = await File.ReadAllBytesAsync(Path.Combine(corpus, kind.CorpusFile)).ConfigureAwait(false);
            var path = Path.Combine(directory, $"{kind.Name.Split(' ')[0].Replace('+', '-')}-{(kind.Name.Contains("last", StringComparison.Ordinal) ? "ctlast-" : "")}{size}{kind.Extension}");
            var output = File.Create(path);
            await using (output.ConfigureAwait(false))
            {
                await kind.Write(source, size, output, new Random(1)).ConfigureAwait(false);
            }

            Console.WriteLine($"{path}: {new FileInfo(path).Length:N0} bytes");
        }

        return 0;
    }

    /// <returns>1 when the verification did not decide (an error for this measurement), else 0.</returns>
    private static async Task<int> MeasureAsync(
        ScaledKind kind, string corpus, long size, BlobContainerClient uploads, BlobContainerClient quarantine,
        UploadVerifier verifier, UploadsServices services, Random random, bool print)
    {
        var source = await File.ReadAllBytesAsync(Path.Combine(corpus, kind.CorpusFile)).ConfigureAwait(false);
        var blobPath = $"bench/{Guid.NewGuid():N}/file-{size}{kind.Extension}";
        var blob = uploads.GetBlockBlobClient(blobPath);

        var options = new BlockBlobOpenWriteOptions { BufferSize = 8 * ByteSize.MiB, HttpHeaders = new BlobHttpHeaders { ContentType = kind.MediaType } };
        var stream = await blob.OpenWriteAsync(overwrite: true, options).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            if (size <= source.Length)
            {
                // Smaller than the real file: the real file as it is (its size is reported).
                await stream.WriteAsync(source).ConfigureAwait(false);
            }
            else
            {
                await kind.Write(source, size, stream, random).ConfigureAwait(false);
            }
        }

        var actualSize = (await blob.GetPropertiesAsync().ConfigureAwait(false)).Value.ContentLength;

        services.Requests.Reset();
        var watch = Stopwatch.StartNew();
        var result = await verifier.VerifyAsync(blobPath, CancellationToken.None).ConfigureAwait(false);
        watch.Stop();
        var requests = services.Requests.Snapshot();
        var total = services.Requests.Total;
        var ranges = services.Requests.Count("GET");

        await blob.DeleteIfExistsAsync().ConfigureAwait(false);
        await quarantine.GetBlobClient(blobPath).DeleteIfExistsAsync().ConfigureAwait(false);

        if (print)
        {
            var verdict = result.Status is { } status ? UploadStates.NameOf(status.Status) : "none";
            var reason = result.Status?.Reason is { } r ? $": {Shorten(r)}" : "";
            var byOperation = string.Join(", ", requests.Select(p => $"{p.Key} {p.Value}"));
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {kind.Name} | {actualSize:N0} | {verdict}{reason} | {result.Status?.DetectedType} | {result.BytesRead:N0} | {total} ({ranges}) | {byOperation} | {watch.Elapsed.TotalMilliseconds:0.0} |"));
        }

        return result.Decided ? 0 : 1;
    }

    private static string Shorten(string reason) => reason.Length <= 70 ? reason : reason[..67] + "...";
}
