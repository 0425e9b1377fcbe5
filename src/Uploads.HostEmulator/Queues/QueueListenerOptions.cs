using Azure.Storage.Queues;

namespace Uploads.HostEmulator.Queues;

/// <summary>The host's queue settings (host.json <c>extensions.queues</c>), with the host's defaults.</summary>
public sealed record QueueListenerOptions
{
    /// <summary>Messages fetched per poll, 1 to 32 (16).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>A new batch is fetched only while at most this many messages run (batch size / 2 × processors).</summary>
    public int NewBatchThreshold { get; init; } = 16 / 2 * Environment.ProcessorCount;

    /// <summary>Tries of a message before it goes to the poison queue (5).</summary>
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>How long a failed message stays invisible before its next try (zero).</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>The longest wait between polls of an empty queue (1 minute).</summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How a queue trigger's message text is encoded (host.json <c>messageEncoding</c>: <c>base64</c>, the default, or <c>none</c>).</summary>
    public QueueMessageEncoding MessageEncoding { get; init; } = QueueMessageEncoding.Base64;
}

/// <summary>What became of a queue message after a try.</summary>
public enum QueueMessageResult
{
    /// <summary>Handled successfully (or nothing to do): deleted.</summary>
    Completed,

    /// <summary>Failed: back in the queue for another try.</summary>
    Released,

    /// <summary>Failed its last try (or seen too often): copied to the poison queue and deleted.</summary>
    Poisoned,
}

/// <summary>One try of one queue message: the queue, the message, how often it was dequeued, the result, its text.</summary>
public sealed record QueueMessageOutcome(string QueueName, string MessageId, long DequeueCount, QueueMessageResult Result, string MessageText);
