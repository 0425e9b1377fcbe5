using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Uploads.Core.Verification;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Reliability;

/// <summary>
/// Uploads whose <c>BlobCreated</c> event never arrives, through the built worker whose reconciliation timer the host
/// emulator fires every 2 s (grace 3 s): nothing calls the status endpoint and nothing posts to the Blob trigger, yet
/// every upload gets its verdict within the grace period plus one interval (waited for with a bound that allows for
/// a loaded machine).
/// </summary>
public sealed class ReconciliationTests(ReconcilingApiHost host) : IClassFixture<ReconcilingApiHost>
{
    private static readonly TimeSpan Bound = ReconcilingApiHost.Grace + ReconcilingApiHost.Interval + TimeSpan.FromSeconds(30);

    private static Task<IDictionary<string, string>?> VerdictTagsWithinAsync(BlobClient blob, TimeSpan bound) =>
        Eventually.ValueWithinAsync(
            async ct =>
            {
                var tags = (await blob.GetTagsAsync(cancellationToken: ct)).Value.Tags;
                return tags.TryGetValue(VerdictTags.Verdict, out var verdict) && verdict == VerdictTags.Verified ? tags : null;
            },
            bound,
            TimeSpan.FromMilliseconds(250));

    private Task<bool> LoggedWithinAsync(Func<Uploads.HostEmulator.Worker.WorkerLogEntry, bool> match, TimeSpan bound) =>
        Eventually.WithinAsync(() => host.WorkerLogs.Any(match), bound);

    private static Task<bool> GoneWithinAsync(BlobClient blob, TimeSpan bound) =>
        Eventually.WithinAsync(async ct => !(await blob.ExistsAsync(ct)).Value, bound, TimeSpan.FromMilliseconds(250));

    [Fact]
    public async Task Timer_PresignedUploadWithoutEventOrStatusCall_VerifiedWithinGracePlusInterval()
    {
        var invocationsBefore = host.App.Emulator.TimerInvocations;
        var blobPath = await host.PresignedUploadAsync("video-h264.mp4", "recording.mp4", "video/mp4");
        var blob = host.Uploads.GetBlobClient(blobPath);
        var uploadedAt = (await blob.GetPropertiesAsync()).Value.LastModified;

        var tags = await VerdictTagsWithinAsync(blob, Bound);

        Assert.True(tags is not null, $"not verified within {Bound.TotalSeconds} s; worker log:{Environment.NewLine}{host.App.HostLog}");
        Assert.Equal("video/mp4", tags[VerdictTags.Type]);
        Assert.True(VerdictTags.CheckedAt(tags) >= uploadedAt.AddSeconds(-1) + ReconcilingApiHost.Grace, "verified by the pass after the grace period, not before");
        Assert.True(host.App.Emulator.TimerInvocations > invocationsBefore, "the emulator fired the timer");
        // The worker's log reaches the host over the gRPC stream after the tags are written: wait for it too.
        Assert.True(await LoggedWithinAsync(log => log.Message.Contains(blobPath, StringComparison.Ordinal) && log.Message.Contains("its event never came", StringComparison.Ordinal), Bound), "the pass logged the blob it had to decide");
    }

    [Fact]
    public async Task Timer_PresignedUploadThatLiesAboutItsType_QuarantinedWithoutEvent()
    {
        var blobPath = await host.PresignedUploadAsync("document.pdf", "holiday.jpg", "image/jpeg");

        Assert.True(await GoneWithinAsync(host.Uploads.GetBlobClient(blobPath), Bound), "moved out of the uploads container");
        var quarantined = (await host.Quarantine.GetBlobClient(blobPath).GetPropertiesAsync()).Value;
        Assert.Contains("image/jpeg", QuarantineMetadata.Read(quarantined.Metadata, QuarantineMetadata.Reason), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timer_DeadLetteredBlobCreatedEvent_BlobVerifiedAndDeadLetterFileDeleted()
    {
        var blobPath = await host.PresignedUploadAsync("document.pdf", "contract.pdf", "application/pdf");
        var blob = host.Uploads.GetBlobClient(blobPath);
        await host.DeadLetters.CreateIfNotExistsAsync();
        var file = host.DeadLetters.GetBlobClient($"uploads-topic/verify-upload/{DateTime.UtcNow:yyyy/MM/dd/HH}/{Guid.NewGuid()}.json");
        await file.UploadAsync(BinaryData.FromString(DeadLetter(blob.Uri)));

        var tags = await VerdictTagsWithinAsync(blob, Bound);

        Assert.NotNull(tags);
        Assert.True(await GoneWithinAsync(file, Bound), "the handled dead-letter file is deleted");
    }

    [Fact]
    public async Task Timer_UnreadableDeadLetterFile_KeptForPeople()
    {
        await host.DeadLetters.CreateIfNotExistsAsync();
        var file = host.DeadLetters.GetBlobClient($"uploads-topic/verify-upload/{Guid.NewGuid()}.json");
        await file.UploadAsync(BinaryData.FromString("not events"));
        var invocations = host.App.Emulator.TimerInvocations;

        await Eventually.WithinAsync(() => host.App.Emulator.TimerInvocations >= invocations + 2, Bound, TimeSpan.FromMilliseconds(250));

        Assert.True(host.App.Emulator.TimerInvocations >= invocations + 2, "two passes ran");
        Assert.True((await file.ExistsAsync()).Value);
        Assert.Contains(host.WorkerLogs, log => log.Message.Contains(file.Name, StringComparison.Ordinal) && log.Message.Contains("no Event Grid events", StringComparison.Ordinal));
    }

    /// <summary>A dead-letter file as Event Grid writes it: the events in the Event Grid schema with the failure beside them.</summary>
    private static string DeadLetter(Uri blobUrl)
    {
        var events = JsonSerializer.Deserialize<List<Dictionary<string, JsonElement>>>(EventGridWebhook.BlobCreated(blobUrl))!;
        foreach (var gridEvent in events)
        {
            gridEvent["deadLetterReason"] = JsonSerializer.SerializeToElement("MaxDeliveryAttemptsExceeded");
            gridEvent["deliveryAttempts"] = JsonSerializer.SerializeToElement(30);
            gridEvent["lastDeliveryOutcome"] = JsonSerializer.SerializeToElement("TimedOut");
            gridEvent["publishTime"] = JsonSerializer.SerializeToElement(DateTimeOffset.UtcNow);
        }

        return Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(events));
    }
}
