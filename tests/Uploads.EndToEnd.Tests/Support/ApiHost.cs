using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Uploads.Core.Security;
using Uploads.HostEmulator.Worker;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Support;

/// <summary>
/// The shipped worker (<c>src/Uploads.Functions</c>, built) run by the host emulator over real HTTP on a loopback
/// port, against a real Azurite in OAuth + HTTPS mode with the production identity-based connection: upload URLs are
/// user-delegation SAS signed with a key the worker obtained with managed-identity tokens.
/// </summary>
public class ApiHost : IAsyncLifetime
{
    private readonly AzuriteMode _mode;

    public ApiHost()
        : this(AzuriteMode.OAuthHttps)
    {
    }

    protected ApiHost(AzuriteMode mode) => _mode = mode;

    public const string ClientId = "acme";
    public const string OtherClientId = "globex";

    private FunctionsApp? _app;
    private AzuriteInstance? _azurite;

    /// <summary>A key minted for <see cref="ClientId"/>; only its hash is configured.</summary>
    public string ApiKey { get; } = ApiKeyMinter.Mint().Key;

    public string OtherApiKey { get; } = ApiKeyMinter.Mint().Key;

    public AzuriteInstance Azurite => _azurite ?? throw new InvalidOperationException("Not started.");

    public FunctionsApp App => _app ?? throw new InvalidOperationException("Not started.");

    /// <summary>Where the API listens, e.g. http://127.0.0.1:41234 (the guide's API_BASE).</summary>
    public Uri BaseAddress => App.BaseAddress;

    /// <summary>Every log the worker sent to the host so far.</summary>
    public IReadOnlyCollection<WorkerLogEntry> WorkerLogs => App.WorkerLogs;

    public BlobContainerClient Uploads => Azurite.CreateServiceClient().GetBlobContainerClient("uploads");

    public BlobContainerClient Quarantine => Azurite.CreateServiceClient().GetBlobContainerClient("quarantine");

    /// <summary>A presigned upload as the guide's client makes it: ask for a URL, PUT a corpus file to it; returns the blobPath.</summary>
    public async Task<string> PresignedUploadAsync(string corpusFile, string fileName, string contentType)
    {
        using var api = CreateClient();
        using var storage = Azurite.CreateHttpClient();
        return (await PresignedUpload.UploadAsync(api, storage, await File.ReadAllBytesAsync(TestFixtures.CorpusFile(corpusFile)), fileName, contentType)).BlobPath;
    }

    /// <summary>The blobs in the uploads container under <paramref name="prefix"/>, with their lengths, as storage lists them.</summary>
    public async Task<List<(string Name, long Length)>> StoredAsync(string prefix)
    {
        var stored = new List<(string, long)>();
        await foreach (var blob in Uploads.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, CancellationToken.None))
        {
            stored.Add((blob.Name, blob.Properties.ContentLength ?? -1));
        }

        return stored;
    }

    public HttpClient CreateClient(string? apiKey = null)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-API-Key", apiKey ?? ApiKey);
        return http;
    }

    public virtual async Task InitializeAsync()
    {
        _azurite = await AzuriteInstance.StartAsync(_mode, withQueueService: true);
        await StartBesideAzuriteAsync();
        var settings = new Dictionary<string, string?>
        {
            [$"ApiKeys__Clients__{ClientId}"] = ApiKeyMinter.HashOf(ApiKey),
            [$"ApiKeys__Clients__{OtherClientId}"] = ApiKeyMinter.HashOf(OtherApiKey),
        };
        foreach (var (name, value) in ExtraSettings)
        {
            settings[name] = value;
        }

        _app = await FunctionsApp.StartAsync(_azurite, settings);
    }

    /// <summary>Starts what a derived host puts between the app and Azurite (once Azurite runs, before the app starts).</summary>
    protected virtual Task StartBesideAzuriteAsync() => Task.CompletedTask;

    /// <summary>App settings a derived host adds to (or, with a null value, removes from) the standard ones.</summary>
    /// <remarks>Read once, after <see cref="StartBesideAzuriteAsync"/>.</remarks>
    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>();

    /// <remarks>Throws <see cref="OpenApiContractException"/> (after stopping everything) when an answer broke docs/openapi.json.</remarks>
    public virtual async Task DisposeAsync()
    {
        try
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
        finally
        {
            if (_azurite is not null)
            {
                await _azurite.DisposeAsync();
            }
        }
    }
}

/// <summary>The same, with Azurite's account key in a connection string (<c>UseDevelopmentStorage</c>'s form): URLs are account-key SAS.</summary>
public sealed class SharedKeyApiHost : ApiHost
{
    public SharedKeyApiHost()
        : base(AzuriteMode.SharedKey)
    {
    }
}

/// <summary>
/// The same, with the reconciliation timer every <see cref="Interval"/> and a grace period of <see cref="Grace"/>
/// (seconds, where Azure uses minutes), and Event Grid's dead-letter container read: nothing posts events to it.
/// </summary>
public sealed class ReconcilingApiHost : ApiHost
{
    public const string DeadLetterContainer = "eventgrid-deadletter";

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["Verification__ReconcileSchedule"] = "*/2 * * * * *",
        ["Verification__ReconcileGracePeriod"] = "00:00:03",
        ["Verification__DeadLetterContainerName"] = DeadLetterContainer,
    };

    public BlobContainerClient DeadLetters => Azurite.CreateServiceClient().GetBlobContainerClient(DeadLetterContainer);
}

/// <summary>
/// The same, with the app's storage connection through a <see cref="TcpRelay"/> that tests use to inject faults
/// (the test's own clients reach Azurite directly, so they see what storage really holds), and a storage client that
/// gives up on a stalled try after <see cref="NetworkTimeout"/> and retries twice (seconds, where Azure uses 20 s and
/// three retries), so that every fault ends in seconds. (3 s and one retry was too tight for a healthy 4 MiB Put
/// Block through the relay on this loaded 2-core machine: the retry after healing failed once in a full run.)
/// </summary>
public sealed class FaultyStorageApiHost : ApiHost
{
    private TcpRelay? _relay;

    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(5);

    public TcpRelay Relay => _relay ?? throw new InvalidOperationException("Not started.");

    protected override Task StartBesideAzuriteAsync()
    {
        _relay = new TcpRelay(Azurite.Port);
        _relay.Up();
        return Task.CompletedTask;
    }

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["UploadStorage__blobServiceUri"] = new UriBuilder(Azurite.BlobServiceUri) { Port = Relay.Port }.Uri.ToString(),
        ["Uploads__StorageNetworkTimeout"] = NetworkTimeout.ToString(),
        ["Uploads__StorageMaxRetries"] = "2",
        ["Uploads__StorageRetryDelay"] = "00:00:00.200",
    };

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            if (_relay is not null)
            {
                await _relay.DisposeAsync();
            }
        }
    }
}

/// <summary>Upload URLs that expire after 8 seconds, so a test sees a URL expire in the middle of an upload.</summary>
public sealed class ShortUrlApiHost : ApiHost
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?> { ["Uploads__UrlLifetime"] = "00:00:08" };
}
