using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Queues;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Queues;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Scanning;

/// <summary>
/// The emulator runs queue triggers as the Functions host's Storage Queues extension does (the built worker's
/// <c>ReceiveMalwareScanResult</c> on <c>malware-scan-results</c>): a failing message is tried again at once
/// (visibilityTimeout 0), each try invisible to the others, and after the 5th dequeue it is moved to
/// <c>malware-scan-results-poison</c>; a message that is not Base64 (the messageEncoding in force) goes there at once
/// without running.
/// </summary>
public sealed class QueueTriggerTests(ScanningApiHost host) : IClassFixture<ScanningApiHost>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private List<QueueMessageOutcome> OutcomesOf(string marker) =>
        [.. host.App.QueueOutcomes.Where(o => o.QueueName == Uploads.Core.Configuration.MalwareScanOptions.ResultsQueueName && o.MessageText.Contains(marker, StringComparison.Ordinal))];

    [Fact]
    public async Task FailingMessage_TriedFiveTimesInTurnThenPoisoned()
    {
        var marker = Guid.NewGuid().ToString("N");
        var defender = new DefenderPlayer(host.Azurite);
        await defender.SendAsync($"not an event {marker}");

        Assert.True(await Eventually.WithinAsync(() => OutcomesOf(marker).Any(o => o.Result == QueueMessageResult.Poisoned), Bound), $"not poisoned; host log:{Environment.NewLine}{host.App.HostLog}");
        var outcomes = OutcomesOf(marker);
        // One try at a time (the message is invisible while it runs), each dequeued once more than the last.
        Assert.Equal([1L, 2L, 3L, 4L, 5L], outcomes.Select(o => o.DequeueCount));
        Assert.Equal([QueueMessageResult.Released, QueueMessageResult.Released, QueueMessageResult.Released, QueueMessageResult.Released, QueueMessageResult.Poisoned], outcomes.Select(o => o.Result));
        var poisoned = (await defender.PoisonQueue.ReceiveMessagesAsync(32)).Value;
        Assert.Contains(poisoned, m => m.Body.ToString() == Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"not an event {marker}")));
    }

    [Fact]
    public async Task NotBase64_PoisonedAtOnceWithoutRunning()
    {
        var marker = Guid.NewGuid().ToString("N");
        var invocations = host.App.Emulator.QueueTriggerInvocations;
        var raw = new QueueServiceClient(
            host.Azurite.QueueServiceUri!,
            new StorageSharedKeyCredential(host.Azurite.AccountName, host.Azurite.AccountKey),
            new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None, Transport = new HttpClientTransport(host.Azurite.CreateHttpClient()) })
            .GetQueueClient(Uploads.Core.Configuration.MalwareScanOptions.ResultsQueueName);
        await raw.CreateIfNotExistsAsync();
        await raw.SendMessageAsync($"{{\"plain\":\"{marker}\"}}");

        Assert.True(await Eventually.WithinAsync(() => OutcomesOf(marker).Count > 0, Bound), "the message was taken");
        var outcome = Assert.Single(OutcomesOf(marker));
        Assert.Equal(QueueMessageResult.Poisoned, outcome.Result);
        Assert.Equal(1, outcome.DequeueCount);
        Assert.Equal(invocations, host.App.Emulator.QueueTriggerInvocations);
        Assert.DoesNotContain(host.WorkerLogs, l => l.Message.Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public void HostJson_Queues_ReadsTheExtensionsSettings()
    {
        var folder = Directory.CreateTempSubdirectory("hostjson-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "host.json"), """
                { "version": "2.0", "extensions": { "queues": { "batchSize": 8, "newBatchThreshold": 4, "maxDequeueCount": 3,
                  "visibilityTimeout": "00:00:30", "maxPollingInterval": 2000, "messageEncoding": "none" } } }
                """);

            var options = HostJson.Queues(folder.FullName, new QueueListenerOptions());

            Assert.Equal(8, options.BatchSize);
            Assert.Equal(4, options.NewBatchThreshold);
            Assert.Equal(3, options.MaxDequeueCount);
            Assert.Equal(TimeSpan.FromSeconds(30), options.VisibilityTimeout);
            Assert.Equal(TimeSpan.FromSeconds(2), options.MaxPollingInterval);
            Assert.Equal(QueueMessageEncoding.None, options.MessageEncoding);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void HostJson_Queues_TheAppsOwn_Base64AndFastPolling()
    {
        var options = HostJson.Queues(Uploads.Testing.FunctionsApp.AppDirectory, new QueueListenerOptions());

        Assert.Equal(QueueMessageEncoding.Base64, options.MessageEncoding);
        Assert.Equal(TimeSpan.FromSeconds(2), options.MaxPollingInterval);
        Assert.Equal(5, options.MaxDequeueCount);
    }
}
