using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Queues;
using Uploads.HostEmulator.Storage;

namespace Uploads.HostEmulator.Triggers;

/// <summary>
/// The host's shared blob-trigger queue in <c>AzureWebJobsStorage</c>, <c>azure-webjobs-blobtrigger-&lt;hostid&gt;</c>:
/// the webhook puts a <see cref="BlobTriggerMessage"/> on it for every event and answers at once (the host's
/// <c>BlobTriggerQueueWriter</c>: add, creating the queue if needed, then wake the listener); the
/// <see cref="QueueListener"/> runs each message through the <see cref="BlobTriggerExecutor"/> with the host's retries,
/// and a message that failed its last try goes to <c>webjobs-blobtrigger-poison</c>.
/// </summary>
internal sealed class BlobTriggerQueue : IAsyncDisposable
{
    public const string QueueNamePrefix = "azure-webjobs-blobtrigger-";

    /// <summary>The host's poison queue for blob triggers (<c>HostQueueNames.BlobTriggerPoisonQueue</c>, not "&lt;queue&gt;-poison").</summary>
    public const string PoisonQueueName = "webjobs-blobtrigger-poison";

    private readonly QueueClient _queue;
    private readonly QueueListener _listener;

    private BlobTriggerQueue(QueueClient queue, QueueListener listener)
    {
        _queue = queue;
        _listener = listener;
    }

    public string Name => _queue.Name;

    /// <param name="listen">
    /// False when every Blob trigger with an Event Grid source is disabled: the host then starts no listener for the
    /// queue (each function's listener starts the shared one), so the webhook's messages wait there, unrun.
    /// </param>
    public static BlobTriggerQueue Start(HostStorage storage, BlobTriggerExecutor executor, QueueListenerOptions options, ILogger logger, Action<QueueMessageOutcome>? observer, Func<string, string, CancellationToken, Task>? beforeHandling, bool listen = true)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(executor);
        var queues = storage.Queues ?? throw new InvalidOperationException(storage.NoQueueService);
        var queue = queues.GetQueueClient(QueueNamePrefix + storage.HostId);
        var listener = new QueueListener(
            queue,
            queues.GetQueueClient(PoisonQueueName),
            (message, cancellationToken) => executor.ExecuteAsync(BlobTriggerMessage.Parse(message.Body.ToString()), message.MessageId, cancellationToken),
            options,
            logger,
            observer,
            beforeHandling);
        if (listen)
        {
            listener.Start();
        }

        return new BlobTriggerQueue(queue, listener);
    }

    /// <summary>Adds the message (creating the queue on first use) and wakes the listener.</summary>
    public async Task EnqueueAsync(BlobTriggerMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = message.ToJson();
        try
        {
            await _queue.SendMessageAsync(text, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await _queue.SendMessageAsync(text, cancellationToken).ConfigureAwait(false);
        }

        _listener.Notify();
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
