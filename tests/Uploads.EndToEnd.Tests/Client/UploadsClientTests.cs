using System.Collections.Concurrent;
using Uploads.Client;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;

namespace Uploads.EndToEnd.Tests.Client;

/// <summary>The .NET client library (src/Uploads.Client) against the real worker and a real Azurite.</summary>
public sealed class UploadsClientTests(ApiHost host) : IClassFixture<ApiHost>, IDisposable
{
    private const int BlockBytes = 1024 * 1024;
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private (UploadsClient Client, ClientTraffic Traffic) CreateClient(int parallelism = 4, string? journalDirectory = null) =>
        TestClients.Create(host, BlockBytes, parallelism, journalDirectory);

    [Fact]
    public async Task UploadAsync_SmallFileAuto_DirectAndVerified()
    {
        var path = _files.CreateText("small.txt", 200_000);
        var (client, traffic) = CreateClient();
        using var _ = client;

        var result = await client.UploadAsync(path);
        var status = await client.WaitForVerdictAsync(result.BlobPath);

        Assert.Equal(UploadMode.Direct, result.Mode);
        Assert.Equal(0, traffic.BlocksStaged);
        Assert.Equal(UploadState.Verified, status.Status);
    }

    [Fact]
    public async Task UploadAsync_Presigned_SeveralBlocksInFlightCommittedAndVerified()
    {
        var path = _files.CreateText("large.txt", (12 * BlockBytes) + 123);
        var (client, traffic) = CreateClient(parallelism: 4);
        using var _ = client;
        var reports = new ConcurrentQueue<UploadProgress>();

        var result = await client.UploadAsync(path, UploadMode.Presigned, new Recorded(reports.Enqueue));
        var status = await client.WaitForVerdictAsync(result.BlobPath);

        Assert.Equal((13, 0), (result.BlocksSent, result.BlocksResumed));
        Assert.Equal(13, traffic.BlocksStaged);
        Assert.InRange(traffic.MaxBlocksInFlight, 2, 4);
        Assert.Equal(UploadState.Verified, status.Status);
        Assert.Equal(new FileInfo(path).Length, status.SizeBytes);
        Assert.False(File.Exists(path + ".upload.json"));
        Assert.Contains(reports, r => r.BytesSent == new FileInfo(path).Length && r.BytesPerSecond > 0);
    }

    [Fact]
    public async Task UploadAsync_InterruptedThenRerun_SendsOnlyTheMissingBlocks()
    {
        var path = _files.CreateText("resume.txt", 10 * BlockBytes);
        var (first, firstTraffic) = CreateClient(parallelism: 1);
        using var interrupt = new CancellationTokenSource();
        firstTraffic.BeforeBlock = (number, _) =>
        {
            if (number == 5)
            {
                interrupt.Cancel(); // the "crash": four blocks staged, the fifth never sent
            }

            return Task.CompletedTask;
        };
        using (first)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.UploadAsync(path, UploadMode.Presigned, cancellationToken: interrupt.Token));
        }

        Assert.True(File.Exists(path + ".upload.json"));
        var (second, secondTraffic) = CreateClient(parallelism: 3);
        using var _ = second;

        var result = await second.UploadAsync(path, UploadMode.Presigned);

        Assert.Equal(4, firstTraffic.BlocksStaged);
        Assert.Equal((6, 4), (result.BlocksSent, result.BlocksResumed));
        Assert.Equal(6, secondTraffic.BlocksStaged);
        Assert.Equal(1, secondTraffic.UrlRequests); // a renewal, not a new upload
        Assert.Equal(UploadState.Verified, (await second.WaitForVerdictAsync(result.BlobPath)).Status);
        Assert.Equal(await File.ReadAllBytesAsync(path), (await host.Uploads.GetBlobClient(result.BlobPath).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task UploadAsync_JournalInAStateFolder_ResumesFromThere()
    {
        var state = Path.Combine(_files.DirectoryPath, "state");
        var path = _files.CreateText("state.txt", 4 * BlockBytes);
        var (first, firstTraffic) = CreateClient(parallelism: 1, journalDirectory: state);
        using var interrupt = new CancellationTokenSource();
        firstTraffic.BeforeBlock = (number, _) =>
        {
            if (number == 3)
            {
                interrupt.Cancel();
            }

            return Task.CompletedTask;
        };
        using (first)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.UploadAsync(path, UploadMode.Presigned, cancellationToken: interrupt.Token));
        }

        Assert.Single(Directory.GetFiles(state, "*.upload.json"));
        var (second, _) = CreateClient(journalDirectory: state);
        using var __ = second;

        var result = await second.UploadAsync(path, UploadMode.Presigned);

        Assert.Equal((2, 2), (result.BlocksSent, result.BlocksResumed));
        Assert.Empty(Directory.GetFiles(state, "*.upload.json"));
    }

    [Fact]
    public async Task UploadAsync_TransientFailures_RetriedAndCompleted()
    {
        var path = _files.CreateText("flaky.txt", 6 * BlockBytes);
        var (client, traffic) = CreateClient(parallelism: 2);
        using var _ = client;
        traffic.BlockFault = number => number switch
        {
            1 or 4 => ClientTraffic.Fault.ServiceUnavailable,
            2 => ClientTraffic.Fault.ConnectionReset,
            _ => null,
        };

        var result = await client.UploadAsync(path, UploadMode.Presigned);

        Assert.Equal(3, traffic.FaultsInjected);
        Assert.Equal(6, traffic.BlocksStaged);
        Assert.Equal(UploadState.Verified, (await client.WaitForVerdictAsync(result.BlobPath)).Status);
    }

    [Theory]
    [InlineData("archive.zip", 100, "not an allowed type")]
    [InlineData("noextension", 100, "neither a content type nor an extension")]
    [InlineData("empty.txt", 0, "empty")]
    [InlineData("huge.png", (50L * 1024 * 1024) + 1, "too large")]
    public void Preflight_RefusedFile_NothingSent(string name, long length, string expected)
    {
        var path = Path.Combine(_files.DirectoryPath, name);
        using (var file = File.Create(path))
        {
            file.SetLength(length);
        }

        var refused = Assert.Throws<UploadRefusedException>(() => Preflight.Check(path));

        Assert.Contains(expected, refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Preflight_ExtensionOfAnotherType_RefusedWithTheServersReason()
    {
        var path = _files.CreateText("notes.txt", 10);

        var refused = Assert.Throws<UploadRefusedException>(() => Preflight.Check(path, "image/png"));

        Assert.Contains("names text/plain, but the content type is image/png", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Preflight_MissingFile_Refused()
    {
        var refused = Assert.Throws<UploadRefusedException>(() => Preflight.Check(Path.Combine(_files.DirectoryPath, "missing.pdf")));

        Assert.StartsWith("File not found", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadAsync_DirectOverTheCap_RefusedBeforeSending()
    {
        var path = _files.CreateText("big.txt", (10 * 1024 * 1024) + 1);
        var (client, _) = CreateClient();
        using var __ = client;

        await Assert.ThrowsAsync<UploadRefusedException>(() => client.UploadAsync(path, UploadMode.Direct));
    }

    [Fact]
    public async Task UploadAsync_WrongKey_ApiExceptionWith401()
    {
        var path = _files.CreateText("key.txt", 100);
        using var client = new UploadsClient(new UploadsClientOptions { ApiBase = host.BaseAddress, ApiKey = "upk_wrong" });

        var error = await Assert.ThrowsAsync<UploadApiException>(() => client.UploadAsync(path));

        Assert.True(error.IsAuthenticationFailure);
    }

    /// <summary>Records each report as the client makes it (a <see cref="Progress{T}"/> would post it to the thread pool, to arrive after the upload returned).</summary>
    private sealed class Recorded(Action<UploadProgress> record) : IProgress<UploadProgress>
    {
        public void Report(UploadProgress value) => record(value);
    }
}

/// <summary>A URL that expires in the middle of an upload is renewed and the upload completes under the same path.</summary>
public sealed class UploadsClientExpiryTests(ShortUrlApiHost host) : IClassFixture<ShortUrlApiHost>, IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task UploadAsync_UrlExpiresMidUpload_RenewedAndCompleted()
    {
        var path = _files.CreateText("slow.txt", 6 * 1024 * 1024);
        var traffic = new ClientTraffic(host.Azurite.CreateHttpMessageHandler())
        {
            // The third block waits until the 8-second URL has expired.
            BeforeBlock = (number, ct) => number == 3 ? Task.Delay(TimeSpan.FromSeconds(10), ct) : Task.CompletedTask,
        };
        using var client = new UploadsClient(new UploadsClientOptions { ApiBase = host.BaseAddress, ApiKey = host.ApiKey, Parallelism = 1, BlockBytes = 1024 * 1024, RetryDelay = TimeSpan.FromMilliseconds(20) }, traffic);

        var result = await client.UploadAsync(path, UploadMode.Presigned);

        Assert.Equal(6, traffic.BlocksStaged);
        // The URL, then a renewal when it expired (on a machine too slow to stage any block in 8 s, the renewal finds
        // nothing to resume and a new URL restarts the upload: 3).
        Assert.InRange(traffic.UrlRequests, 2, 3);
        Assert.Equal(UploadState.Verified, (await client.WaitForVerdictAsync(result.BlobPath)).Status);
    }
}
