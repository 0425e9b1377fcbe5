using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Uploads.HostEmulator.Queues;

namespace Uploads.HostEmulator.Tests.Queues;

/// <summary>
/// The listener's polling loop against a queue service that cannot be reached: it keeps polling after failed polls
/// and stops, when disposed, without throwing, whatever the storage client threw.
/// </summary>
public sealed class QueueListenerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DisposeAsync_HostNotResolvedUntilRetriesSpent_KeepsPollingAndDisposesQuietly()
    {
        // The storage SDK's retries of a failed name resolution end in its AggregateException ("Retry failed after
        // 2 tries"): a poll that fails so must be backed off like any other, not end the loop (which then threw at dispose).
        using var handler = new FailingHandler(polls: 3, (_, _) => throw new HttpRequestException("Name or service not known (devstoreaccount1.queue.core.windows.net:443)"));
        var listener = Listener(handler);
        listener.Start();

        await handler.Polled.Task.WaitAsync(Patience);

        await listener.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_DuringRetryOfFailedPoll_DisposesQuietly()
    {
        // The benchmark's teardown: the poll's first try failed to resolve the host and its retry is in flight when the
        // listener is disposed; the SDK then throws an AggregateException of the failure and the cancellation, not an
        // OperationCanceledException. That cancellation is the listener's own: swallowed, never thrown at dispose.
        using var handler = new FailingHandler(polls: 2, async (request, cancellationToken) =>
        {
            if (request == 1)
            {
                throw new HttpRequestException("Name or service not known (devstoreaccount1.queue.core.windows.net:443)");
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        var listener = Listener(handler);
        listener.Start();
        await handler.Polled.Task.WaitAsync(Patience);

        await listener.DisposeAsync();

        Assert.Equal(2, handler.Requests);
    }

    [Fact]
    public async Task DisposeAsync_WhilePollInFlight_StopsWithoutThrowing()
    {
        using var handler = new FailingHandler(polls: 1, async (_, cancellationToken) =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        var listener = Listener(handler);
        listener.Start();
        await handler.Polled.Task.WaitAsync(Patience);

        await listener.DisposeAsync();

        Assert.True(handler.Requests >= 1);
    }

    private static QueueListener Listener(HttpMessageHandler handler)
    {
        var delay = TimeSpan.FromMilliseconds(1);
        var options = new QueueClientOptions
        {
            Transport = new HttpClientTransport(new HttpClient(handler, disposeHandler: false)),
            Retry = { MaxRetries = 1, Delay = delay, MaxDelay = delay, Mode = RetryMode.Fixed },
        };
        var queue = new QueueClient(new Uri("https://devstoreaccount1.queue.core.windows.net/azure-webjobs-blobtrigger-test"), options);
        return new QueueListener(queue, null, (_, _) => Task.FromResult(true), new QueueListenerOptions { MaxPollingInterval = TimeSpan.FromMilliseconds(200) }, NullLogger.Instance);
    }

    /// <summary>Answers request number N (from 1) with <paramref name="answer"/>; <see cref="Polled"/> completes at request number <paramref name="polls"/> (retries included).</summary>
    private sealed class FailingHandler(int polls, Func<int, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        private int _requests;

        public TaskCompletionSource Polled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var number = Interlocked.Increment(ref _requests);
            if (number >= polls)
            {
                Polled.TrySetResult();
            }

            return answer(number, cancellationToken);
        }
    }
}
