using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Worker;

namespace Uploads.HostEmulator.Queues;

/// <summary>
/// Handles one message; true when it succeeded (the message is deleted), false when it failed (retried, then poisoned).
/// </summary>
internal delegate Task<bool> QueueMessageHandler(QueueMessage message, CancellationToken cancellationToken);

/// <summary>
/// The host's storage-queue listener (WebJobs <c>QueueListener</c> + <c>QueueProcessor</c> of the Storage extensions
/// 5.x), the ONE queue machinery of the emulator, for any queue and any handler:
/// <list type="bullet">
/// <item>polls with <c>ReceiveMessages</c> in batches of <see cref="QueueListenerOptions.BatchSize"/> (16), each
/// message invisible for 10 minutes while it runs (renewed every 5 minutes for longer runs); a new batch is fetched
/// only while at most <see cref="QueueListenerOptions.NewBatchThreshold"/> messages are running;</item>
/// <item>an empty queue (or one that does not exist yet) is polled again after a randomized exponential back-off from
/// 100 ms to <see cref="QueueListenerOptions.MaxPollingInterval"/> (1 minute), cut short by <see cref="Notify"/> when
/// this host adds a message itself (the host's <c>SharedQueueWatcher</c>);</item>
/// <item>a message that succeeded is deleted; one that failed is made visible again after
/// <see cref="QueueListenerOptions.VisibilityTimeout"/> (zero) for another try, and once it has been dequeued
/// <see cref="QueueListenerOptions.MaxDequeueCount"/> times (5) it is copied to the poison queue and deleted (a
/// message seen more often than that, after a crash, is poisoned without running); a queue without a poison queue
/// leaves a failed message invisible until its lease ends;</item>
/// <item>stopping stops polling and cancels the messages running (their leases expire and they come back).</item>
/// </list>
/// Every outcome is logged and reported to the observer (tests wait on it).
/// </summary>
internal sealed partial class QueueListener : IAsyncDisposable
{
    /// <summary>How long a received message stays invisible while it runs (the host's fixed 10 minutes).</summary>
    public static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(10);

    /// <summary>The shortest wait between polls of an empty queue (the host's <c>QueuePollingIntervals.Minimum</c>).</summary>
    public static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly QueueClient _queue;
    private readonly QueueClient? _poisonQueue;
    private readonly QueueMessageHandler _handler;
    private readonly QueueListenerOptions _options;
    private readonly ILogger _logger;
    private readonly Action<QueueMessageOutcome>? _observer;
    private readonly Func<string, string, CancellationToken, Task>? _beforeHandling;
    private readonly Func<QueueMessage, (string? Text, string? Problem)>? _decode;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _execution = new();
    private readonly List<Task> _processing = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TimeSpan _backoff = MinPollingInterval;
    private Task? _loop;

    /// <param name="poisonQueue">Where messages go after the last try; null: none (failed messages stay invisible until their lease ends).</param>
    /// <param name="observer">Told every outcome (<see cref="Configuration.EmulatorOptions.OnQueueMessage"/>).</param>
    /// <param name="beforeHandling">Awaited with the queue's name and the message's text before each message is handled (<see cref="Configuration.EmulatorOptions.BeforeQueueMessage"/>).</param>
    /// <param name="decode">The message's text for its handler, or why it has none (such a message goes to the poison queue at once); null: the body as it is.</param>
    public QueueListener(QueueClient queue, QueueClient? poisonQueue, QueueMessageHandler handler, QueueListenerOptions options, ILogger logger, Action<QueueMessageOutcome>? observer = null, Func<string, string, CancellationToken, Task>? beforeHandling = null, Func<QueueMessage, (string? Text, string? Problem)>? decode = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        _queue = queue;
        _poisonQueue = poisonQueue;
        _handler = handler;
        _options = options;
        _logger = logger;
        _observer = observer;
        _beforeHandling = beforeHandling;
        _decode = decode;
    }

    public string QueueName => _queue.Name;

    public void Start()
    {
        _loop ??= Task.Run(PollAsync);
        Log.Started(_logger, _queue.Name, _poisonQueue?.Name ?? "(none)", _options.BatchSize, _options.MaxDequeueCount);
    }

    /// <summary>A message was just added to the queue by this host: poll now instead of after the back-off.</summary>
    public void Notify()
    {
        lock (_lock)
        {
            _wake.TrySetResult();
        }
    }

    private async Task PollAsync()
    {
        bool? exists = null;
        while (!_stop.IsCancellationRequested)
        {
            Task wake;
            lock (_lock)
            {
                // A Notify during the receive below still cuts the back-off after it short.
                _wake.TrySetResult();
                _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wake = _wake.Task;
            }

            QueueMessage[] batch = [];
            try
            {
                await WaitForNewBatchThresholdAsync().ConfigureAwait(false);
                if (exists != true)
                {
                    // As the host: an existence check first, so that an absent queue is not an error every poll.
                    exists = (await _queue.ExistsAsync(_stop.Token).ConfigureAwait(false)).Value;
                }

                if (exists == true)
                {
                    batch = (await _queue.ReceiveMessagesAsync(_options.BatchSize, LeaseTime, _stop.Token).ConfigureAwait(false)).Value ?? [];
                }
            }
            catch (Exception ex) when (CancelledBy(ex, _stop.IsCancellationRequested))
            {
                // Stopped, also in the middle of the SDK's retries (its AggregateException holds the cancellation).
                return;
            }
            catch (Exception ex) when (IsStorageFailure(ex))
            {
                // The SDK's retries are spent (its AggregateException), the service is unreachable or timed out: as
                // the host, log it and poll again after the back-off; the loop ends only when stopped.
                exists = null;
                Log.PollFailed(_logger, _queue.Name, ex.Message);
            }

            if (batch.Length == 0)
            {
                var delay = NextBackoff(found: false);
                try
                {
                    await Task.WhenAny(wake, Task.Delay(delay, _stop.Token)).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            NextBackoff(found: true);
            lock (_lock)
            {
                foreach (var message in batch)
                {
                    _processing.Add(Task.Run(() => ProcessAsync(message)));
                }
            }
        }
    }

    private async Task WaitForNewBatchThresholdAsync()
    {
        while (true)
        {
            Task[] running;
            lock (_lock)
            {
                _processing.RemoveAll(t => t.IsCompleted);
                if (_processing.Count <= _options.NewBatchThreshold)
                {
                    return;
                }

                running = [.. _processing];
            }

            await Task.WhenAny(Task.WhenAny(running), Task.Delay(Timeout.Infinite, _stop.Token)).Unwrap().ConfigureAwait(false);
            _stop.Token.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The host's randomized exponential back-off: the minimum after a message was found, else doubling (±20 %) up to the maximum.</summary>
    private TimeSpan NextBackoff(bool found)
    {
        _backoff = found ? MinPollingInterval : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.MaxPollingInterval.Ticks));
        return TimeSpan.FromTicks((long)(_backoff.Ticks * (0.8 + (Random.Shared.NextDouble() * 0.4))));
    }

    private async Task ProcessAsync(QueueMessage message)
    {
        var raw = message.Body?.ToString() ?? string.Empty;
        var (decoded, problem) = _decode?.Invoke(message) ?? (raw, null);
        var text = decoded ?? raw;
        var receipt = new PopReceipt(message.PopReceipt);
        try
        {
            if (message.DequeueCount > _options.MaxDequeueCount)
            {
                // Seen more often than allowed (a host stopped while it ran): poisoned without running.
                await PoisonAsync(message, receipt, text).ConfigureAwait(false);
                return;
            }

            bool succeeded;
            if (_poisonQueue is not null && problem is { } why)
            {
                // As the host's MessageDecodingFailed handler: never run, copied to the poison queue as it is.
                Log.Undecodable(_logger, _queue.Name, message.MessageId, why);
                await PoisonAsync(message, receipt, text).ConfigureAwait(false);
                return;
            }

            using (var renewal = CancellationTokenSource.CreateLinkedTokenSource(_execution.Token))
            {
                var renewing = KeepInvisibleAsync(message.MessageId, receipt, renewal.Token);
                try
                {
                    succeeded = await HandleAsync(message, text).ConfigureAwait(false);
                }
                finally
                {
                    await renewal.CancelAsync().ConfigureAwait(false);
                    await renewing.ConfigureAwait(false);
                }
            }

            if (succeeded)
            {
                await DeleteAsync(message.MessageId, receipt).ConfigureAwait(false);
                Report(message, QueueMessageResult.Completed, text);
            }
            else if (_poisonQueue is null)
            {
                // No poison queue: left invisible until its lease ends, so that it does not fail in a fast loop.
                Report(message, QueueMessageResult.Released, text);
            }
            else if (message.DequeueCount >= _options.MaxDequeueCount)
            {
                await PoisonAsync(message, receipt, text).ConfigureAwait(false);
            }
            else
            {
                await ReleaseAsync(message.MessageId, receipt).ConfigureAwait(false);
                Report(message, QueueMessageResult.Released, text);
            }
        }
        catch (Exception ex) when (CancelledBy(ex, _execution.IsCancellationRequested))
        {
            // Stopping: the message comes back when its lease ends.
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            Log.CompletionFailed(_logger, _queue.Name, message.MessageId, ex.Message);
        }
    }

    /// <summary>Runs the handler; a handler that throws has failed (logged), as a failed function.</summary>
    private async Task<bool> HandleAsync(QueueMessage message, string text)
    {
        if (_beforeHandling is { } before)
        {
            await before(_queue.Name, text, _execution.Token).ConfigureAwait(false);
        }

        try
        {
            return await _handler(message, _execution.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!CancelledBy(ex, _execution.IsCancellationRequested))
        {
            Log.HandlerFailed(_logger, _queue.Name, message.MessageId, message.DequeueCount, ex is WorkerUnavailableException ? ex.Message : ex.ToString());
            return false;
        }
    }

    /// <summary>Keeps a long-running message invisible: every half lease, another full lease (the host's visibility renewal).</summary>
    private async Task KeepInvisibleAsync(string messageId, PopReceipt receipt, CancellationToken done)
    {
        try
        {
            while (true)
            {
                await Task.Delay(LeaseTime / 2, done).ConfigureAwait(false);
                var updated = await _queue.UpdateMessageAsync(messageId, receipt.Value, visibilityTimeout: LeaseTime, cancellationToken: done).ConfigureAwait(false);
                receipt.Value = updated.Value.PopReceipt;
            }
        }
        catch (Exception ex) when (CancelledBy(ex, done.IsCancellationRequested))
        {
            // The message is done with.
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            Log.RenewalFailed(_logger, _queue.Name, messageId, ex.Message);
        }
    }

    private async Task PoisonAsync(QueueMessage message, PopReceipt receipt, string text)
    {
        Log.Poisoned(_logger, _options.MaxDequeueCount, _poisonQueue!.Name, _queue.Name, message.MessageId);
        await _poisonQueue.CreateIfNotExistsAsync().ConfigureAwait(false);
        await _poisonQueue.SendMessageAsync(message.Body).ConfigureAwait(false);
        await DeleteAsync(message.MessageId, receipt).ConfigureAwait(false);
        Report(message, QueueMessageResult.Poisoned, text);
    }

    private async Task DeleteAsync(string messageId, PopReceipt receipt)
    {
        try
        {
            await _queue.DeleteMessageAsync(messageId, receipt.Value).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 400 or 404 or 409)
        {
            // Pop receipt mismatch (someone else took it over), or the message or queue is gone: nothing to delete.
            Log.Gone(_logger, _queue.Name, messageId, ex.Status, ex.ErrorCode);
        }
    }

    private async Task ReleaseAsync(string messageId, PopReceipt receipt)
    {
        try
        {
            await _queue.UpdateMessageAsync(messageId, receipt.Value, visibilityTimeout: _options.VisibilityTimeout).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 400 or 404 or 409)
        {
            Log.Gone(_logger, _queue.Name, messageId, ex.Status, ex.ErrorCode);
        }
    }

    private void Report(QueueMessage message, QueueMessageResult result, string text)
    {
        Log.Outcome(_logger, _queue.Name, message.MessageId, message.DequeueCount, result);
        _observer?.Invoke(new QueueMessageOutcome(_queue.Name, message.MessageId, message.DequeueCount, result, text));
    }

    /// <summary>
    /// A failed call to storage, not a bug: the service's answer, a connection or name-resolution failure, a timeout
    /// that is not a stop (the listener's own cancellation is handled where it is requested), or the SDK's
    /// <see cref="AggregateException"/> once its retries of such failures are spent.
    /// </summary>
    /// <remarks>Callers handle their own cancellation (<see cref="CancelledBy"/>) first: an <see cref="OperationCanceledException"/> left is a timeout.</remarks>
    private static bool IsStorageFailure(Exception exception) => exception switch
    {
        RequestFailedException or HttpRequestException or IOException or OperationCanceledException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsStorageFailure),
        _ => false,
    };

    /// <summary>
    /// The cancellation this listener requested (<paramref name="requested"/>): an <see cref="OperationCanceledException"/>,
    /// or the SDK's <see cref="AggregateException"/> when it came during the back-off between retries.
    /// </summary>
    private static bool CancelledBy(Exception exception, bool requested) =>
        requested && exception switch
        {
            OperationCanceledException => true,
            AggregateException aggregate => aggregate.InnerExceptions.Any(inner => CancelledBy(inner, requested)),
            _ => false,
        };

    /// <summary>
    /// Stops polling and waits for the polling loop (it ends at the stop, never with an error: every failed poll is
    /// logged and backed off), then cancels the messages running and waits (boundedly) for them. Never throws: the
    /// clients the listener uses may be disposed once this returns.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        await _execution.CancelAsync().ConfigureAwait(false);
        Task[] running;
        lock (_lock)
        {
            running = [.. _processing];
        }

        var all = Task.WhenAll(running);
        await Task.WhenAny(all, Task.Delay(StopGrace)).ConfigureAwait(false);
        _stop.Dispose();
        if (all.IsCompleted)
        {
            // A message still running past the grace still reads the token: its source stays undisposed.
            _execution.Dispose();
        }
    }

    /// <summary>The message's current pop receipt (each visibility update changes it).</summary>
    private sealed class PopReceipt(string value)
    {
        public string Value { get; set; } = value;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7601, EventName = "QueueListenerStarted", Level = LogLevel.Information, Message = "Listening to queue '{Queue}' (poison queue '{PoisonQueue}', batch {BatchSize}, max dequeue count {MaxDequeueCount})")]
        public static partial void Started(ILogger logger, string queue, string poisonQueue, int batchSize, int maxDequeueCount);

        [LoggerMessage(EventId = 7602, EventName = "QueuePollFailed", Level = LogLevel.Warning, Message = "Polling queue '{Queue}' failed; backing off: {Reason}")]
        public static partial void PollFailed(ILogger logger, string queue, string reason);

        [LoggerMessage(EventId = 7603, EventName = "QueueMessageFailed", Level = LogLevel.Error, Message = "Message {MessageId} of queue '{Queue}' failed (dequeue count {DequeueCount}): {Reason}")]
        public static partial void HandlerFailed(ILogger logger, string queue, string messageId, long dequeueCount, string reason);

        [LoggerMessage(EventId = 7604, EventName = "QueueMessagePoisoned", Level = LogLevel.Warning, Message = "Message has reached MaxDequeueCount of {MaxDequeueCount}. Moving message to queue '{PoisonQueue}' (from '{Queue}', message {MessageId}).")]
        public static partial void Poisoned(ILogger logger, int maxDequeueCount, string poisonQueue, string queue, string messageId);

        [LoggerMessage(EventId = 7605, EventName = "QueueMessageOutcome", Level = LogLevel.Debug, Message = "Message {MessageId} of queue '{Queue}' (dequeue count {DequeueCount}): {Result}")]
        public static partial void Outcome(ILogger logger, string queue, string messageId, long dequeueCount, QueueMessageResult result);

        [LoggerMessage(EventId = 7606, EventName = "QueueMessageGone", Level = LogLevel.Debug, Message = "Message {MessageId} of queue '{Queue}' was taken over or is gone ({Status} {ErrorCode})")]
        public static partial void Gone(ILogger logger, string queue, string messageId, int status, string? errorCode);

        [LoggerMessage(EventId = 7607, EventName = "QueueCompletionFailed", Level = LogLevel.Error, Message = "Completing message {MessageId} of queue '{Queue}' failed; it comes back when its lease ends: {Reason}")]
        public static partial void CompletionFailed(ILogger logger, string queue, string messageId, string reason);

        [LoggerMessage(EventId = 7609, EventName = "QueueMessageUndecodable", Level = LogLevel.Warning, Message = "Message {MessageId} of queue '{Queue}' cannot be decoded ({Reason}): moved to the poison queue without running")]
        public static partial void Undecodable(ILogger logger, string queue, string messageId, string reason);

        [LoggerMessage(EventId = 7608, EventName = "QueueRenewalFailed", Level = LogLevel.Warning, Message = "Keeping message {MessageId} of queue '{Queue}' invisible failed: {Reason}")]
        public static partial void RenewalFailed(ILogger logger, string queue, string messageId, string reason);
    }
}
