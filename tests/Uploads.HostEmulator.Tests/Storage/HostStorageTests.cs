using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Storage;

namespace Uploads.HostEmulator.Tests.Storage;

/// <summary>Where the host's own queues are, from the shapes <c>AzureWebJobsStorage</c> takes.</summary>
public sealed class HostStorageTests
{
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    [Fact]
    public void TryCreate_DevelopmentAccountWithBlobEndpointOnly_HasNoQueues()
    {
        // An Azurite started without its queue service: the SDK would make up https://devstoreaccount1.queue.core.windows.net.
        using var storage = Create($"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};BlobEndpoint=http://127.0.0.1:41000/devstoreaccount1;");

        Assert.Null(storage.Queues);
        Assert.Contains("without a QueueEndpoint", storage.NoQueueService, StringComparison.Ordinal);
        Assert.Equal(new Uri("http://127.0.0.1:41000/devstoreaccount1"), storage.Blobs.Uri);
    }

    [Theory]
    [InlineData($"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};BlobEndpoint=http://127.0.0.1:41000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:41001/devstoreaccount1;", "http://127.0.0.1:41001/devstoreaccount1")]
    [InlineData("UseDevelopmentStorage=true", "http://127.0.0.1:10001/devstoreaccount1")]
    [InlineData($"DefaultEndpointsProtocol=https;AccountName=storagesample;AccountKey={Key};BlobEndpoint=https://www.mydomain.com", "https://storagesample.queue.core.windows.net/")]
    public void TryCreate_ConnectionString_QueuesAtItsQueueEndpoint(string connectionString, string expected)
    {
        using var storage = Create(connectionString);

        Assert.Null(storage.NoQueueService);
        Assert.Equal(new Uri(expected), storage.Queues!.Uri);
    }

    private static HostStorage Create(string connectionString) =>
        HostStorage.TryCreate(new AppSettingResolver(new Dictionary<string, string>(StringComparer.Ordinal) { [HostStorage.ConnectionSetting] = connectionString }), AppContext.BaseDirectory, [])
        ?? throw new InvalidOperationException("No host storage.");
}
