using Uploads.Client;

namespace Uploads.EndToEnd.Tests.Support;

/// <summary>The client library as the client tests use it: against a host's API, quick to retry and to poll, its traffic to storage counted.</summary>
internal static class TestClients
{
    public static (UploadsClient Client, ClientTraffic Traffic) Create(ApiHost host, int blockBytes, int parallelism = 4, string? journalDirectory = null, bool declareSha256 = true)
    {
        ArgumentNullException.ThrowIfNull(host);
        var traffic = new ClientTraffic(host.Azurite.CreateHttpMessageHandler());
        var client = new UploadsClient(
            new UploadsClientOptions
            {
                ApiBase = host.BaseAddress,
                ApiKey = host.ApiKey,
                Parallelism = parallelism,
                BlockBytes = blockBytes,
                RetryDelay = TimeSpan.FromMilliseconds(20),
                StatusPollInterval = TimeSpan.FromMilliseconds(100),
                JournalDirectory = journalDirectory,
                DeclareSha256 = declareSha256,
            },
            traffic);
        return (client, traffic);
    }
}
