using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Identity;
using Uploads.HostEmulator.Queues;
using Uploads.HostEmulator.Rpc;
using Uploads.HostEmulator.Storage;
using Uploads.HostEmulator.Worker;

namespace Uploads.HostEmulator.Triggers;

/// <summary>
/// Runs the worker's <c>queueTrigger</c> functions as the host's Storage Queues extension 5.x does, each on its own
/// <see cref="QueueListener"/> (the same machinery as the Blob trigger's Event Grid queue): the binding's
/// <c>queueName</c> (<c>%setting%</c> resolved) on the account of its <c>connection</c> (a connection string in the
/// setting, or the identity-based <c>&lt;connection&gt;__queueServiceUri</c> with <c>__credential=managedidentity</c>,
/// served by the emulator's managed identity), host.json's <c>extensions.queues</c> (batch size, new-batch threshold,
/// <c>maxDequeueCount</c>, <c>visibilityTimeout</c> between tries, <c>maxPollingInterval</c>, <c>messageEncoding</c>),
/// and the poison queue <c>&lt;queue&gt;-poison</c> (none for a queue whose name ends in <c>-poison</c> or would be too
/// long). A message that is not valid for <c>messageEncoding</c> (<c>base64</c>, the default) goes to the poison queue at
/// once, unchanged, as the host's decoding-failure handler does. The input is the decoded text; the trigger metadata
/// is the host's: <c>QueueTrigger</c>, <c>DequeueCount</c>, <c>ExpirationTime</c>, <c>Id</c>, <c>InsertionTime</c>,
/// <c>NextVisibleTime</c>, <c>PopReceipt</c>. A disabled function (<see cref="DisabledSetting"/>) is not listened for, as in the host.
/// </summary>
internal sealed partial class QueueTriggers : IAsyncDisposable
{
    public const string TriggerType = "queueTrigger";

    public const string PoisonSuffix = "-poison";

    private readonly List<QueueListener> _listeners = [];
    private readonly List<HttpClient> _clients = [];
    private int _invocations;

    private readonly ILogger _logger;

    private QueueTriggers(ILogger logger) => _logger = logger;

    /// <summary>Invocations started so far, all queue-triggered functions together.</summary>
    public int Invocations => Volatile.Read(ref _invocations);

    /// <summary>The queues listened to.</summary>
    public IReadOnlyList<string> QueueNames => [.. _listeners.Select(l => l.QueueName)];

    public static QueueTriggers Start(FunctionInvoker invoker, AppSettingResolver settings, QueueListenerOptions options, EmulatorOptions emulator, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(emulator);
        var triggers = new QueueTriggers(logger);
        foreach (var function in invoker.Functions.Where(f => f.Trigger.Type.Equals(TriggerType, StringComparison.OrdinalIgnoreCase)))
        {
            if (function.IsDisabled)
            {
                continue;
            }

            string queueName;
            QueueServiceClient service;
            try
            {
                queueName = settings.Resolve(function.Trigger.GetString("queueName") ?? string.Empty).ToLowerInvariant();
                service = triggers.ServiceFor(settings, function.Trigger.GetString("connection") ?? HostStorage.ConnectionSetting, emulator);
            }
            catch (InvalidOperationException ex)
            {
                // As the host: that function's listener cannot start; the others run.
                Log.InError(logger, function.Name, ex.Message);
                continue;
            }

            var poison = queueName.EndsWith(PoisonSuffix, StringComparison.Ordinal) || queueName.Length + PoisonSuffix.Length > 63
                ? null
                : service.GetQueueClient(queueName + PoisonSuffix);
            var listener = new QueueListener(
                service.GetQueueClient(queueName),
                poison,
                (message, cancellationToken) => triggers.InvokeAsync(invoker, function, message, options.MessageEncoding, cancellationToken),
                options,
                logger,
                emulator.OnQueueMessage,
                emulator.BeforeQueueMessage,
                message => Decode(message, options.MessageEncoding));
            triggers._listeners.Add(listener);
            listener.Start();
            Log.Listening(logger, function.Name, queueName, options.MessageEncoding, options.MaxDequeueCount, options.VisibilityTimeout);
        }

        return triggers;
    }

    /// <summary>The text of a message under <paramref name="encoding"/>, or why it has none.</summary>
    private static (string? Text, string? Problem) Decode(QueueMessage message, QueueMessageEncoding encoding)
    {
        var raw = message.Body?.ToString() ?? string.Empty;
        if (encoding == QueueMessageEncoding.None)
        {
            return (raw, null);
        }

        var bytes = new byte[(raw.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(raw, bytes, out var written))
        {
            return (null, "not Base64, the messageEncoding in force");
        }

        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, written), null);
        }
        catch (DecoderFallbackException)
        {
            return (null, "its Base64 is not UTF-8 text");
        }
    }

    private async Task<bool> InvokeAsync(FunctionInvoker invoker, WorkerFunction function, QueueMessage message, QueueMessageEncoding encoding, CancellationToken cancellationToken)
    {
        var (text, problem) = Decode(message, encoding);
        if (text is null)
        {
            throw new InvalidOperationException($"The message cannot be decoded: {problem}.");
        }

        var input = new ParameterBinding { Name = function.Trigger.Name, Data = new TypedData { String = text } };
        var metadata = new Dictionary<string, TypedData>(StringComparer.Ordinal)
        {
            ["QueueTrigger"] = new() { String = text },
            ["DequeueCount"] = new() { Json = message.DequeueCount.ToString(CultureInfo.InvariantCulture) },
            ["ExpirationTime"] = Time(message.ExpiresOn),
            ["Id"] = new() { String = message.MessageId },
            ["InsertionTime"] = Time(message.InsertedOn),
            ["NextVisibleTime"] = Time(message.NextVisibleOn),
            ["PopReceipt"] = new() { String = message.PopReceipt },
        };
        Interlocked.Increment(ref _invocations);
        var response = await invoker.InvokeAsync(function, Guid.NewGuid().ToString(), [input], metadata, cancellationToken).ConfigureAwait(false);
        if (response.Result.Status == StatusResult.Types.Status.Success)
        {
            return true;
        }

        Log.Failed(_logger, function.Name, message.MessageId, message.DequeueCount, response.Result.Exception?.Message ?? response.Result.Status.ToString());
        return false;
    }

    private static TypedData Time(DateTimeOffset? value) =>
        new() { Json = "\"" + (value ?? DateTimeOffset.MaxValue).ToString("O", CultureInfo.InvariantCulture) + "\"" };

    /// <summary>The queue service of a trigger's connection, its messages read as they are (decoded here, per messageEncoding).</summary>
    private QueueServiceClient ServiceFor(AppSettingResolver settings, string connection, EmulatorOptions emulator)
    {
        var http = new HttpClient(HostStorage.CreateHandler(emulator.TrustedCertificatePemFiles), disposeHandler: true);
        _clients.Add(http);
        var options = new QueueClientOptions { Transport = new HttpClientTransport(http), MessageEncoding = QueueMessageEncoding.None };
        if (settings.Lookup(connection) is { Length: > 0 } value && value.Contains('=', StringComparison.Ordinal))
        {
            return HostStorage.NoQueueServiceIn(value, connection) is { } why
                ? throw new InvalidOperationException($"The connection has no queue service: {why}.")
                : new QueueServiceClient(value, options);
        }

        if (settings.Lookup($"{connection}:queueServiceUri") is { Length: > 0 } uri)
        {
            if (!string.Equals(settings.Lookup($"{connection}:credential"), "managedidentity", StringComparison.OrdinalIgnoreCase) || emulator.ManagedIdentity is not { } identity)
            {
                throw new InvalidOperationException($"The connection '{connection}' is identity-based: the emulator serves it only with {connection}__credential=managedidentity and --managed-identity.");
            }

            return new QueueServiceClient(new Uri(uri), new EmulatedIdentityCredential(identity), options);
        }

        throw new InvalidOperationException($"The connection '{connection}' is not set: a storage connection string in '{connection}', or '{connection}__queueServiceUri' with a managed identity.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    /// <summary>The emulator's managed identity for its own calls (the host's identity-based connection): the same unsigned tokens it serves the worker.</summary>
    private sealed class EmulatedIdentityCredential(ManagedIdentityOptions identity) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            var now = DateTimeOffset.UtcNow;
            var expiresOn = now + identity.TokenLifetime;
            var audience = UnsignedJwt.AudienceOf(requestContext.Scopes.FirstOrDefault() ?? UnsignedJwt.StorageAudience);
            return new AccessToken(UnsignedJwt.Create(audience, identity.TenantId, identity.ObjectId, now, expiresOn), expiresOn);
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7411, EventName = "QueueTriggerListening", Level = LogLevel.Information, Message = "Queue trigger 'Functions.{FunctionName}' listens to '{QueueName}' (messageEncoding {Encoding}, maxDequeueCount {MaxDequeueCount}, visibilityTimeout {VisibilityTimeout})")]
        public static partial void Listening(ILogger logger, string functionName, string queueName, QueueMessageEncoding encoding, int maxDequeueCount, TimeSpan visibilityTimeout);

        [LoggerMessage(EventId = 7412, EventName = "QueueTriggerInError", Level = LogLevel.Error, Message = "The listener for function 'Functions.{FunctionName}' was unable to start: {Reason}")]
        public static partial void InError(ILogger logger, string functionName, string reason);

        [LoggerMessage(EventId = 7414, EventName = "QueueTriggerFailed", Level = LogLevel.Error, Message = "Executed 'Functions.{FunctionName}' (Failed) for message {MessageId} (dequeue count {DequeueCount}): {Reason}")]
        public static partial void Failed(ILogger logger, string functionName, string messageId, long dequeueCount, string reason);
    }
}
