using System.Security.Cryptography;
using Uploads.Client;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;

namespace Uploads.EndToEnd.Tests.Client;

/// <summary>
/// The client library declares each file's SHA-256 by default, on both paths, through the real worker and Azurite:
/// the verdict carries it; a resumed block upload still declares (and checks) the whole file.
/// </summary>
public sealed class ClientSha256Tests(ApiHost host) : IClassFixture<ApiHost>, IDisposable
{
    private const int BlockBytes = 1024 * 1024;
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static string Sha256Of(string path) => Convert.ToBase64String(SHA256.HashData(File.ReadAllBytes(path)));

    private (UploadsClient Client, ClientTraffic Traffic) CreateClient(int parallelism = 4, bool declare = true) =>
        TestClients.Create(host, BlockBytes, parallelism, declareSha256: declare);

    [Theory]
    [InlineData(UploadMode.Direct)]
    [InlineData(UploadMode.Presigned)]
    public async Task UploadAsync_Default_DeclaresTheSha256AndTheVerdictCarriesIt(UploadMode mode)
    {
        var path = _files.CreateText("declared.txt", (3 * BlockBytes) + 17);
        var (client, _) = CreateClient();
        using var __ = client;

        var result = await client.UploadAsync(path, mode);
        var status = await client.WaitForVerdictAsync(result.BlobPath);

        Assert.Equal(Sha256Of(path), result.Sha256);
        Assert.Equal(UploadState.Verified, status.Status);
        Assert.Equal(Sha256Of(path), status.Sha256);
    }

    [Fact]
    public async Task UploadAsync_DeclarationOff_PresignedVerdictWithoutSha256()
    {
        var path = _files.CreateText("undeclared.txt", 2 * BlockBytes);
        var (client, _) = CreateClient(declare: false);
        using var __ = client;

        var result = await client.UploadAsync(path, UploadMode.Presigned);
        var status = await client.WaitForVerdictAsync(result.BlobPath);

        Assert.Null(result.Sha256);
        Assert.Equal(UploadState.Verified, status.Status);
        Assert.Null(status.Sha256);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UploadAsync_InterruptedThenRerun_WholeFileDeclaredAndAChangedFileStartedOver(bool changeTheFile)
    {
        var path = _files.CreateText("resume-sha.txt", 6 * BlockBytes);
        var (first, firstTraffic) = CreateClient(parallelism: 1);
        using var interrupt = new CancellationTokenSource();
        firstTraffic.BeforeBlock = (number, _) =>
        {
            if (number == 3)
            {
                interrupt.Cancel(); // two blocks staged, the third never sent
            }

            return Task.CompletedTask;
        };
        using (first)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.UploadAsync(path, UploadMode.Presigned, cancellationToken: interrupt.Token));
        }

        if (changeTheFile)
        {
            // Same size, same modification time: only the content (and so its SHA-256) tells the rerun it changed.
            var lastWrite = File.GetLastWriteTimeUtc(path);
            await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                file.Write("LINE"u8);
            }

            File.SetLastWriteTimeUtc(path, lastWrite);
        }

        var (second, secondTraffic) = CreateClient(parallelism: 3);
        using var _ = second;

        var result = await second.UploadAsync(path, UploadMode.Presigned);
        var status = await second.WaitForVerdictAsync(result.BlobPath);

        Assert.Equal(changeTheFile ? (6, 0) : (4, 2), (result.BlocksSent, result.BlocksResumed));
        Assert.Equal(1, secondTraffic.UrlRequests); // a renewal, or a new URL for the changed file
        Assert.Equal(UploadState.Verified, status.Status);
        Assert.Equal(Sha256Of(path), status.Sha256);
        Assert.Equal(await File.ReadAllBytesAsync(path), (await host.Uploads.GetBlobClient(result.BlobPath).DownloadContentAsync()).Value.Content.ToArray());
    }
}
