using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Uploads.HostEmulator.Configuration;

namespace Uploads.HostEmulator.Storage;

/// <summary>
/// The host's own storage, the <c>AzureWebJobsStorage</c> account (a connection string, or
/// <c>UseDevelopmentStorage=true</c>): where the host keeps its blob-trigger queue and the timers' schedule status.
/// Clients trust the system's roots plus the emulator's extra certificates (Azurite's self-signed one in the tests).
/// Also the host id, which names the host's queues and status blobs.
/// </summary>
internal sealed partial class HostStorage : IDisposable
{
    public const string ConnectionSetting = "AzureWebJobsStorage";

    /// <summary>Azurite's well-known account, which has no endpoints outside the emulator.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    private readonly HttpClient _http;

    private HostStorage(string connectionString, string hostId, HttpClient http)
    {
        _http = http;
        HostId = hostId;
        NoQueueService = NoQueueServiceIn(connectionString, ConnectionSetting);
        Queues = NoQueueService is null
            ? new QueueServiceClient(connectionString, new QueueClientOptions { Transport = new HttpClientTransport(http), MessageEncoding = QueueMessageEncoding.Base64 })
            : null;
        Blobs = new BlobServiceClient(connectionString, new BlobClientOptions { Transport = new HttpClientTransport(http) });
    }

    /// <summary>The host id: <c>AzureFunctionsWebHost__hostid</c> when set, else derived from the machine and the app's folder (stable across restarts).</summary>
    public string HostId { get; }

    /// <summary>Queues of <c>AzureWebJobsStorage</c>, messages Base64-encoded as the host writes them; null when it has no queue service (<see cref="NoQueueService"/> says why).</summary>
    public QueueServiceClient? Queues { get; }

    /// <summary>Why <c>AzureWebJobsStorage</c> has no queue service (see <see cref="NoQueueServiceIn"/>); null when it has one.</summary>
    public string? NoQueueService { get; }

    public BlobServiceClient Blobs { get; }

    /// <summary>The host's storage, or null when <c>AzureWebJobsStorage</c> is not set (or not a connection string).</summary>
    public static HostStorage? TryCreate(AppSettingResolver settings, string appDirectory, IReadOnlyList<string> trustedPemFiles)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Lookup(ConnectionSetting) is not { Length: > 0 } connection || !connection.Contains('=', StringComparison.Ordinal))
        {
            return null;
        }

        return new HostStorage(connection, HostIdOf(settings, appDirectory), new HttpClient(CreateHandler(trustedPemFiles), disposeHandler: true));
    }

    /// <summary>
    /// As the host: the <c>AzureFunctionsWebHost:hostid</c> setting, else the machine name and a hash of the app's
    /// path, lower case, at most 32 characters, no trailing dash. (The host's hash function is its own; this one is stable too.)
    /// </summary>
    public static string HostIdOf(AppSettingResolver settings, string appDirectory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Lookup("AzureFunctionsWebHost:hostid") is { Length: > 0 } configured)
        {
            return configured;
        }

        var hash = BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(appDirectory))));
        var id = NotIdCharacters().Replace($"{Environment.MachineName}-{hash.ToString(CultureInfo.InvariantCulture)}".ToLowerInvariant(), string.Empty);
        return (id.Length > 32 ? id[..32] : id).TrimEnd('-');
    }

    /// <summary>
    /// Why the storage connection string in the setting <paramref name="setting"/> has no queue service, or null when
    /// it has one. A connection string with <c>AccountName</c> and <c>AccountKey</c> but no <c>QueueEndpoint</c> gets the
    /// account's default endpoint from the storage SDK (<c>https://&lt;account&gt;.queue.core.windows.net</c>, as
    /// documented for a connection string with explicit endpoints for some services only), and so does the host. For
    /// Azurite's development account (<c>devstoreaccount1</c>) that default is never a service: it is the public host
    /// name of an account that exists only in the emulator, so a connection string that names that account with, say,
    /// only a <c>BlobEndpoint</c> (an Azurite started without its queue service) has no queues at all, rather than
    /// queues in Azure. <c>UseDevelopmentStorage=true</c> has Azurite's default ports, queues included.
    /// </summary>
    public static string? NoQueueServiceIn(string connectionString, string setting)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0].Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(group => group.Key, group => group.Last()[1].Trim(), StringComparer.OrdinalIgnoreCase);
        if (parts.TryGetValue("UseDevelopmentStorage", out var development) && development.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (parts.TryGetValue("QueueEndpoint", out var endpoint) && endpoint.Length > 0)
        {
            return null;
        }

        return parts.TryGetValue("AccountName", out var account) && account.Equals(DevelopmentAccountName, StringComparison.OrdinalIgnoreCase)
            ? $"'{setting}' names Azurite's development account ({DevelopmentAccountName}) without a QueueEndpoint, so its queues would be looked for at https://{DevelopmentAccountName}.queue.core.windows.net, which is not Azurite; add QueueEndpoint=<Azurite's queue service, e.g. http://127.0.0.1:10001/{DevelopmentAccountName}> or use UseDevelopmentStorage=true"
            : null;
    }

    /// <summary>An HTTP handler that trusts the system's roots plus <paramref name="trustedPemFiles"/>.</summary>
    public static SocketsHttpHandler CreateHandler(IReadOnlyList<string> trustedPemFiles)
    {
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) };
        if (trustedPemFiles.Count == 0)
        {
            return handler;
        }

        var extra = new X509Certificate2Collection();
        foreach (var pem in trustedPemFiles)
        {
            extra.ImportFromPemFile(pem);
        }

        handler.SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                // The name matched; the chain may end at one of the extra certificates.
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(extra);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            },
        };
        return handler;
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("[^a-z0-9-]")]
    private static partial Regex NotIdCharacters();
}
