using System.Collections.Concurrent;
using System.Text.Json;
using System.Web;
using Uploads.Client;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;

namespace Uploads.EndToEnd.Tests.Client;

/// <summary>
/// The client's resumable block upload (src/Uploads.Client/BlockUpload.cs) against the real worker and a real
/// Azurite: which blocks a rerun plans from storage's list, and the progress it reports.
/// </summary>
public sealed class BlockUploadTests(ApiHost host) : IClassFixture<ApiHost>, IDisposable
{
    private const int BlockBytes = ResumableUpload.BlockBytes;
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task UploadAsync_BlocksInParallel_ProgressNeverDecreasesAndEndsAtTheFileSize()
    {
        var path = _files.CreateText("progress.txt", (12 * BlockBytes) + 123);
        var (client, traffic) = TestClients.Create(host, BlockBytes, parallelism: 4);
        using var _ = client;
        var reports = new ConcurrentQueue<UploadProgress>();

        var result = await client.UploadAsync(path, UploadMode.Presigned, new Recorded(reports.Enqueue));

        var sent = reports.Select(r => r.BytesSent).ToArray();
        Assert.InRange(traffic.MaxBlocksInFlight, 2, 4);
        Assert.Equal(result.BlocksSent + 1, sent.Length); // the start, then one report per block
        Assert.Equal(0L, sent[0]);
        Assert.Equal(sent.Order(), sent);
        Assert.Equal(new FileInfo(path).Length, sent[^1]);
        Assert.All(reports, r => Assert.Equal((new FileInfo(path).Length, 0L), (r.TotalBytes, r.BytesResumed)));
    }

    [Fact]
    public async Task UploadAsync_ResumedRun_ProgressStartsAtTheStoredBytesAndEndsAtTheFileSize()
    {
        var path = await ResumableUpload.InterruptAsync(host, _files, "progress-resumed.txt");
        var (client, traffic) = TestClients.Create(host, BlockBytes, parallelism: 2);
        using var _ = client;
        var reports = new ConcurrentQueue<UploadProgress>();

        var result = await client.UploadAsync(path, UploadMode.Presigned, new Recorded(reports.Enqueue));

        var sent = reports.Select(r => r.BytesSent).ToArray();
        Assert.Equal((2, 8), (result.BlocksSent, result.BlocksResumed));
        Assert.Equal(2, traffic.BlocksStaged);
        Assert.Equal([8L * BlockBytes, 9L * BlockBytes, 10L * BlockBytes], sent);
        Assert.Equal(0d, reports.First().BytesPerSecond); // nothing sent yet by this run
        Assert.All(reports, r => Assert.Equal(8L * BlockBytes, r.BytesResumed));
    }

    [Fact]
    public async Task UploadAsync_JournalClaimsBlocksStorageLacks_StorageListDecidesWhatIsSent()
    {
        var path = await ResumableUpload.InterruptAsync(host, _files, "journal-claims.txt");
        var journalPath = path + ".upload.json";
        var journal = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(await File.ReadAllTextAsync(journalPath))!;
        journal["stagedBlocks"] = JsonSerializer.SerializeToElement(Enumerable.Range(0, 10));
        await File.WriteAllTextAsync(journalPath, JsonSerializer.Serialize(journal));
        var (client, traffic) = TestClients.Create(host, BlockBytes, parallelism: 3);
        using var _ = client;

        var result = await client.UploadAsync(path, UploadMode.Presigned);

        Assert.Equal((2, 8), (result.BlocksSent, result.BlocksResumed));
        Assert.Equal(2, traffic.BlocksStaged);
        Assert.Equal(1, traffic.UrlRequests); // the renewal
        Assert.Equal(UploadState.Verified, (await client.WaitForVerdictAsync(result.BlobPath)).Status);
        Assert.Equal(await File.ReadAllBytesAsync(path), (await host.Uploads.GetBlobClient(result.BlobPath).DownloadContentAsync()).Value.Content.ToArray());
        Assert.False(File.Exists(journalPath));
    }

    [Fact]
    public async Task UploadAsync_JournalOfAnotherBlockSize_ResumesWithTheJournalsBlocks()
    {
        var path = await ResumableUpload.InterruptAsync(host, _files, "block-size.txt");
        var (client, traffic) = TestClients.Create(host, 4 * BlockBytes, parallelism: 2); // the journal's 1 MiB blocks win

        using var _ = client;
        var result = await client.UploadAsync(path, UploadMode.Presigned);

        Assert.Equal((2, 8), (result.BlocksSent, result.BlocksResumed));
        Assert.Equal(2, traffic.BlocksStaged);
        Assert.Equal(await File.ReadAllBytesAsync(path), (await host.Uploads.GetBlobClient(result.BlobPath).DownloadContentAsync()).Value.Content.ToArray());
    }

    /// <summary>Records each report as the client makes it, in order.</summary>
    private sealed class Recorded(Action<UploadProgress> record) : IProgress<UploadProgress>
    {
        public void Report(UploadProgress value) => record(value);
    }
}

/// <summary>The block upload's URL renewal against a worker whose URLs live 8 seconds.</summary>
public sealed class BlockUploadRenewalTests(ShortUrlApiHost host) : IClassFixture<ShortUrlApiHost>, IDisposable
{
    private const int BlockBytes = 1024 * 1024;
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task UploadAsync_UrlExpiresBeforeAnyBlockIsStored_RestartsUnderANewPathAndCompletes()
    {
        var path = _files.CreateText("late-start.txt", 3 * BlockBytes);
        using var expiring = new HeldUntilExpired(host.Azurite.CreateHttpMessageHandler(), number => number == 1);
        var traffic = new ClientTraffic(expiring);
        using var client = new UploadsClient(new UploadsClientOptions { ApiBase = host.BaseAddress, ApiKey = host.ApiKey, Parallelism = 1, BlockBytes = BlockBytes, RetryDelay = TimeSpan.FromMilliseconds(20) }, traffic);
        string? firstPath = null;
        traffic.BeforeBlock = async (number, ct) =>
        {
            if (number == 1)
            {
                using var journal = JsonDocument.Parse(await File.ReadAllTextAsync(path + ".upload.json", ct));
                firstPath = journal.RootElement.GetProperty("blobPath").GetString();
            }
        };

        var result = await client.UploadAsync(path, UploadMode.Presigned);

        // The URL; its renewal, refused (nothing stored under the path); a new URL for a new path.
        Assert.Equal(3, traffic.UrlRequests);
        Assert.NotNull(firstPath);
        Assert.NotEqual(firstPath, result.BlobPath);
        Assert.Equal((3, 0), (result.BlocksSent, result.BlocksResumed));
        Assert.Equal(UploadState.Verified, (await client.WaitForVerdictAsync(result.BlobPath)).Status);
        Assert.Equal(await File.ReadAllBytesAsync(path), (await host.Uploads.GetBlobClient(result.BlobPath).DownloadContentAsync()).Value.Content.ToArray());
        Assert.False(File.Exists(path + ".upload.json"));
    }

    [Fact]
    public async Task UploadAsync_UrlExpiresWithFourBlocksInFlight_OneRenewalServesThemAll()
    {
        var path = _files.CreateText("in-flight.txt", 8 * BlockBytes);
        // The first block is stored; the next four (all in flight at once) are held until the URL has expired.
        using var expiring = new HeldUntilExpired(host.Azurite.CreateHttpMessageHandler(), number => number is >= 2 and <= 5);
        var traffic = new ClientTraffic(expiring);
        using var client = new UploadsClient(new UploadsClientOptions { ApiBase = host.BaseAddress, ApiKey = host.ApiKey, Parallelism = 4, BlockBytes = BlockBytes, RetryDelay = TimeSpan.FromMilliseconds(20) }, traffic);

        var result = await client.UploadAsync(path, UploadMode.Presigned);

        Assert.Equal(4, expiring.Held);
        Assert.Equal(2, traffic.UrlRequests); // the URL and one renewal, for four refused blocks
        Assert.Equal(8, traffic.BlocksStaged);
        Assert.Equal((8, 0), (result.BlocksSent, result.BlocksResumed));
        Assert.Equal(UploadState.Verified, (await client.WaitForVerdictAsync(result.BlobPath)).Status);
        Assert.Equal(await File.ReadAllBytesAsync(path), (await host.Uploads.GetBlobClient(result.BlobPath).DownloadContentAsync()).Value.Content.ToArray());
    }

    /// <summary>
    /// Holds the chosen block requests (1-based, in the order they arrive) until their URL's SAS has expired (its
    /// <c>se</c>), so storage refuses them with a 403.
    /// </summary>
    private sealed class HeldUntilExpired(HttpMessageHandler inner, Func<int, bool> hold) : DelegatingHandler(inner)
    {
        private int _blocks;
        private int _held;

        public int Held => Volatile.Read(ref _held);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var query = HttpUtility.ParseQueryString(request.RequestUri!.Query);
            if (request.Method == HttpMethod.Put && query["comp"] == "block" && hold(Interlocked.Increment(ref _blocks)))
            {
                Interlocked.Increment(ref _held);
                var wait = DateTimeOffset.Parse(query["se"]!, System.Globalization.CultureInfo.InvariantCulture) + TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
