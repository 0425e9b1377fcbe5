using Uploads.Client;

namespace Uploads.EndToEnd.Tests.Support;

/// <summary>A presigned upload cut off part-way, as a crash leaves it: blocks staged in storage and the journal beside the file.</summary>
internal static class ResumableUpload
{
    public const int BlockBytes = 1024 * 1024;

    /// <summary>Writes a 10-block text file and uploads its first 8 blocks, then stops; the path of the file.</summary>
    public static async Task<string> InterruptAsync(ApiHost host, TestFiles files, string name)
    {
        var path = files.CreateText(name, 10 * BlockBytes);
        using var traffic = new ClientTraffic(host.Azurite.CreateHttpMessageHandler());
        using var interrupt = new CancellationTokenSource();
        traffic.BeforeBlock = (number, _) =>
        {
            if (number == 9)
            {
                interrupt.Cancel(); // eight blocks staged, the ninth never sent
            }

            return Task.CompletedTask;
        };
        using var client = new UploadsClient(
            new UploadsClientOptions { ApiBase = host.BaseAddress, ApiKey = host.ApiKey, Parallelism = 1, BlockBytes = BlockBytes, RetryDelay = TimeSpan.FromMilliseconds(20) },
            traffic);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.UploadAsync(path, UploadMode.Presigned, cancellationToken: interrupt.Token));
        Assert.Equal(8, traffic.BlocksStaged);
        Assert.True(File.Exists(path + ".upload.json"));
        return path;
    }
}
