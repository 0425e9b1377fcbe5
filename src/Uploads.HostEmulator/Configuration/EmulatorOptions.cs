using System.Net;
using Uploads.HostEmulator.Http;
using Uploads.HostEmulator.Queues;
using Uploads.HostEmulator.Worker;

namespace Uploads.HostEmulator.Configuration;

/// <summary>What the emulator runs and how.</summary>
public sealed record EmulatorOptions
{
    /// <summary>The local key of the Blob trigger webhook when none is configured (local runs only; documented).</summary>
    public const string DefaultBlobsExtensionKey = "local-blobs-extension-key";

    /// <summary>The host's default request body limit, 100 MB (<c>FUNCTIONS_REQUEST_BODY_SIZE_LIMIT</c> overrides it).</summary>
    public const long DefaultRequestBodyLimit = 104_857_600;

    /// <summary>The app's build output: <c>worker.config.json</c>, <c>host.json</c>, the worker assembly.</summary>
    public required string AppDirectory { get; init; }

    /// <summary>App settings: the worker's environment (as <c>local.settings.json</c>'s <c>Values</c> are with <c>func start</c>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Where the HTTP front listens; port 0 picks a free one.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 7071);

    /// <summary>The <c>blobs_extension</c> system key the webhook requires.</summary>
    public string BlobsExtensionKey { get; init; } = DefaultBlobsExtensionKey;

    /// <summary>Serve the platform's managed-identity endpoint (<c>IDENTITY_ENDPOINT</c>/<c>IDENTITY_HEADER</c>) to the worker.</summary>
    public ManagedIdentityOptions? ManagedIdentity { get; init; }

    /// <summary>PEM certificates the worker must trust in addition to the system's (e.g. Azurite's self-signed one).</summary>
    public IReadOnlyList<string> TrustedCertificatePemFiles { get; init; } = [];

    /// <summary>How long the worker may take to connect, initialise and load its functions.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Grace period of WorkerTerminate before the worker is killed.</summary>
    public TimeSpan TerminateGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Called for every log the worker sends over the protocol.</summary>
    public Action<WorkerLogEntry>? OnWorkerLog { get; init; }

    /// <summary>
    /// Called after every answer of an HTTP function, with its status, headers and body (tests check each against
    /// docs/openapi.json). Unset, responses are not observed and nothing is copied.
    /// </summary>
    public Action<HttpExchange>? OnHttpResponse { get; init; }

    /// <summary>
    /// Awaited for every HTTP function call, with the function's name, after its request began streaming to the worker
    /// and before the InvocationRequest is sent. Tests delay it to be a host too busy to send that in time (the worker
    /// waits 5 s for it, then fails the request). Unset, nothing waits.
    /// </summary>
    public Func<string, CancellationToken, Task>? BeforeHttpInvocation { get; init; }

    /// <summary>The host's queue settings (host.json's <c>extensions.queues</c> is not read): the defaults of the host.</summary>
    public QueueListenerOptions Queues { get; init; } = new();

    /// <summary>Called after every try of a message of a host queue (the Blob trigger's), with its outcome. Unset, nothing is reported.</summary>
    public Action<QueueMessageOutcome>? OnQueueMessage { get; init; }

    /// <summary>
    /// Awaited with the queue's name and the message's text before each dequeued message is handled. Tests hold it to
    /// show that nothing runs before the webhook has answered. Unset, nothing waits.
    /// </summary>
    public Func<string, string, CancellationToken, Task>? BeforeQueueMessage { get; init; }
}

/// <summary>The identity the emulated platform hands tokens for (unsigned JWTs that Azurite's <c>--oauth basic</c> accepts).</summary>
public sealed record ManagedIdentityOptions
{
    public Guid TenantId { get; init; } = Guid.NewGuid();

    public Guid ObjectId { get; init; } = Guid.NewGuid();

    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);
}
