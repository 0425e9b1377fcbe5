using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Uploads.Core.Scanning;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Core.Verification;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Scanning;

/// <summary>Azurite over HTTP, shared key (local development).</summary>
public sealed class ScanClaimLeaseSharedKeyTests(AzuriteSharedKeyFixture fixture) : ScanClaimLeaseTests(fixture.Azurite), IClassFixture<AzuriteSharedKeyFixture>;

/// <summary>Azurite over HTTPS, OAuth and user-delegation signing (as in Azure).</summary>
public sealed class ScanClaimLeaseOAuthTests(AzuriteOAuthFixture fixture) : ScanClaimLeaseTests(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>;

/// <summary>
/// The claim on a scan result (<see cref="ScanRecords"/>) has a lease, against real Azurite on both storage modes, with
/// the app's own services in process and time injected (<see cref="FakeTimeProvider"/>, no sleeps): a claimant killed
/// between its claim and the verdict leaves the upload <c>checked</c> only until the lease runs out, then the pass (or
/// the next delivery) records exactly one verdict and one event; a claimant that wakes up after being taken over loses
/// its conditional write and adds neither a verdict nor an event. The fault is injected in the storage pipeline right
/// after the first claim's write succeeded (<see cref="ClaimHook"/>): nothing of the code under test is replaced.
/// </summary>
public abstract class ScanClaimLeaseTests(AzuriteInstance azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    /// <summary>When a lease taken now has run out (the claim time is kept to the second: one second more).</summary>
    private static readonly TimeSpan LeaseRunsOut = Lease + TimeSpan.FromSeconds(1);

    /// <summary>Shorter than the lease: once a lease ran out, so did the result deadline.</summary>
    private static readonly TimeSpan ResultDeadline = TimeSpan.FromMinutes(1);

    /// <summary>Bounds the wait for a step that runs in the background: a hang fails the test instead of blocking it.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly CapturingPublisher _events = new();
    private readonly ClaimHook _hook = new();
    private readonly QuarantineFault _quarantineFault = new();
    private UploadsServices _services = null!;

    public async Task InitializeAsync() =>
        _services = await UploadsServices.StartAsync(
            azurite,
            new Dictionary<string, string?>
            {
                ["MalwareScanning:Enabled"] = "true",
                ["MalwareScanning:ClaimLease"] = Lease.ToString(),
                // Files without a result are accepted: a malicious file must never become one of them.
                ["MalwareScanning:Unscanned"] = "Accept",
                ["MalwareScanning:ResultDeadline"] = ResultDeadline.ToString(),
                // The injected clock runs up to a lease ahead of Azurite's: the read URL a quarantine copies from is
                // backdated by the longest skew allowed, so that Azurite already accepts it.
                ["Uploads:ClockSkew"] = "00:15:00",
                // The pass takes every upload without a verdict at once (the grace period is not what is tested here).
                ["Verification:ReconcileGracePeriod"] = "00:00:00",
            },
            services =>
            {
                services.AddSingleton<TimeProvider>(_time);
                services.AddSingleton<IVerdictPublisher>(_events);
                var options = (Azure.Storage.Blobs.BlobClientOptions)services.Single(d => d.ServiceType == typeof(Azure.Storage.Blobs.BlobClientOptions)).ImplementationInstance!;
                options.AddPolicy(_hook, HttpPipelinePosition.PerCall);
                options.AddPolicy(_quarantineFault, HttpPipelinePosition.PerCall);
            });

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private MalwareScanReceiver Receiver => _services.Get<MalwareScanReceiver>();

    private int EventsFor(string blobPath) => _events.Verdicts.Count(v => v.BlobPath == blobPath);

    private async Task<UploadStatus> StatusAsync(string blobPath) => (await _services.Get<VerdictStore>().ReadAsync(blobPath, CancellationToken.None)).Status!;

    private async Task<ScanRecord> RecordAsync(string blobPath) => Assert.Single(await _services.Get<ScanRecords>().ListAsync(blobPath, CancellationToken.None));

    /// <summary>A presigned upload our check passed, waiting for its scan; and Defender's "No threats found" event for it.</summary>
    private async Task<(string BlobPath, string Message)> CheckedUploadAsync(string fileName, string resultType = MalwareScanResult.NoThreatsFound, IReadOnlyList<string>? malwareNames = null)
    {
        var url = await _services.Get<UploadUrlService>().IssueAsync(new ApiClient("acme"), new UploadUrlRequest(fileName, "image/png", null), CancellationToken.None);
        Assert.Null(url.Problem);
        using (var http = azurite.CreateHttpClient())
        using (var put = PresignedUpload.Put(url.Value!.UploadUrl, new ByteArrayContent(await File.ReadAllBytesAsync(TestFixtures.CorpusFile("image.png")))))
        using (var response = await http.SendAsync(put))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        }

        var blobPath = url.Value.BlobPath;
        var blob = azurite.CreateServiceClient().GetBlobContainerClient("uploads").GetBlobClient(blobPath);
        var (etag, sha256) = await DefenderPlayer.ScannedContentAsync(blob);
        var checkedUpload = await _services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);
        Assert.Equal(MalwareScanStatus.Waiting, checkedUpload.Status!.MalwareScan?.State);
        return (blobPath, DefenderPlayer.EventBody(blob, etag, sha256, resultType, malwareNames));
    }

    [Fact]
    public async Task Malicious_QuarantineFailsUntilPoisonedThenDeadlineWithAccept_RejectedWithTheMalwareNameNeverVerified()
    {
        const string malware = "Virus:DOS/EICAR_Test_File";
        var (blobPath, message) = await CheckedUploadAsync("infected.png", MalwareScanResult.MaliciousResult, [malware]);
        _quarantineFault.Failing = true;

        // Every delivery fails to quarantine (the host retries, then moves the message to the poison queue).
        for (var delivery = 0; delivery < 3; delivery++)
        {
            await Assert.ThrowsAsync<IOException>(() => Receiver.ReceiveAsync(message, CancellationToken.None));
        }

        var record = await RecordAsync(blobPath);
        Assert.Equal(ScanVerdict.Malicious, record.Verdict);
        Assert.Equal([malware], record.MalwareNames);
        Assert.NotEqual(UploadState.Verified, (await StatusAsync(blobPath)).Status);

        // Storage recovers; the result deadline (and the failed claimant's lease) passes: the pass decides from the record.
        _quarantineFault.Failing = false;
        _time.Advance(LeaseRunsOut);
        await _services.Get<UploadReconciler>().RunAsync(CancellationToken.None);

        var rejected = await StatusAsync(blobPath);
        Assert.Equal(UploadState.Rejected, rejected.Status);
        Assert.Contains(malware, rejected.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(_events.Verdicts, v => v.BlobPath == blobPath && v.Status == UploadState.Verified);
        Assert.Equal(1, EventsFor(blobPath));
    }

    [Fact]
    public async Task Claim_KilledBeforeTheVerdict_AfterTheLeaseThePassRecordsOneVerdictAndOneEvent()
    {
        var (blobPath, message) = await CheckedUploadAsync("killed.png");
        _hook.OnFirstClaim = () => throw new IOException("The instance stopped between its claim and the verdict.");

        await Assert.ThrowsAsync<IOException>(() => Receiver.ReceiveAsync(message, CancellationToken.None));

        var stuck = await RecordAsync(blobPath);
        Assert.Equal((ClaimState.Claimed, 1), (stuck.State, stuck.Attempt));
        Assert.Equal(MalwareScanStatus.Waiting, (await StatusAsync(blobPath)).MalwareScan?.State);

        // Within the lease the claim is the dead claimant's: a redelivery and the pass leave it alone.
        _time.Advance(TimeSpan.FromMinutes(1));
        await Receiver.ReceiveAsync(message, CancellationToken.None);
        await _services.Get<UploadReconciler>().RunAsync(CancellationToken.None);
        Assert.Equal(MalwareScanStatus.Waiting, (await StatusAsync(blobPath)).MalwareScan?.State);
        Assert.Equal(0, EventsFor(blobPath));

        _time.Advance(LeaseRunsOut - TimeSpan.FromMinutes(1));
        await _services.Get<UploadReconciler>().RunAsync(CancellationToken.None);

        var verified = await StatusAsync(blobPath);
        Assert.Equal(UploadState.Verified, verified.Status);
        Assert.Equal(MalwareScanStatus.Clean, verified.MalwareScan?.State);
        Assert.Equal(1, EventsFor(blobPath));
        var finished = await RecordAsync(blobPath);
        Assert.Equal((ClaimState.Finished, 2), (finished.State, finished.Attempt));

        // A later delivery of the same result, and the next lease, change nothing.
        _time.Advance(LeaseRunsOut);
        await Receiver.ReceiveAsync(message, CancellationToken.None);
        await _services.Get<UploadReconciler>().RunAsync(CancellationToken.None);
        Assert.Equal(1, EventsFor(blobPath));
        Assert.Equal(UploadState.Verified, (await StatusAsync(blobPath)).Status);
    }

    [Fact]
    public async Task Claim_ExpiredClaimantWakesLate_LosesItsWriteAndNoSecondVerdictOrEvent()
    {
        var (blobPath, message) = await CheckedUploadAsync("late.png");
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _hook.OnFirstClaim = async () =>
        {
            paused.SetResult();
            await release.Task;
        };

        // The first delivery claims the result, then stalls (a long pause, a frozen instance).
        var late = Task.Run(() => Receiver.ReceiveAsync(message, CancellationToken.None));
        await paused.Task.WaitAsync(Bound);

        _time.Advance(LeaseRunsOut);
        await Receiver.ReceiveAsync(message, CancellationToken.None);
        var verified = await StatusAsync(blobPath);
        Assert.Equal(UploadState.Verified, verified.Status);
        Assert.Equal(1, EventsFor(blobPath));
        var tags = (await azurite.CreateServiceClient().GetBlobContainerClient("uploads").GetBlobClient(blobPath).GetTagsAsync()).Value.Tags;

        release.SetResult();
        await late.WaitAsync(Bound);

        Assert.Equal(1, EventsFor(blobPath));
        var record = await RecordAsync(blobPath);
        Assert.Equal((ClaimState.Finished, 2), (record.State, record.Attempt));
        // The verdict the second claimant wrote is the one there: the late claimant wrote no tags of its own.
        var after = (await azurite.CreateServiceClient().GetBlobContainerClient("uploads").GetBlobClient(blobPath).GetTagsAsync()).Value.Tags;
        Assert.Equal(tags.OrderBy(t => t.Key, StringComparer.Ordinal), after.OrderBy(t => t.Key, StringComparer.Ordinal));
        Assert.Equal(verified, await StatusAsync(blobPath));
    }

    [Fact]
    public async Task Claim_TwoClaimantsAtOnce_ExactlyOneWinsUntilTheLeaseRunsOut()
    {
        var records = _services.Get<ScanRecords>();
        var blobPath = $"acme/{Guid.NewGuid():N}/race.png";
        var (record, created) = await records.CreateAsync(blobPath, "0x8DC0FFEE0000001", null, MalwareScanResult.NoThreatsFound, claimed: false, malwareNames: null, CancellationToken.None);
        Assert.True(created);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => records.ClaimAsync(record, CancellationToken.None)));
        var winner = Assert.Single(claims, c => c is not null)!;
        Assert.Null(await records.ClaimAsync(await RecordAsync(blobPath), CancellationToken.None));

        // The claim time is kept to the whole second: that never shortens the lease.
        _time.Advance(Lease);
        Assert.Null(await records.ClaimAsync(await RecordAsync(blobPath), CancellationToken.None));
        _time.Advance(LeaseRunsOut - Lease);
        var takeover = await records.ClaimAsync(await RecordAsync(blobPath), CancellationToken.None);

        Assert.Equal(2, takeover?.Attempt);
        Assert.Null(await records.ConfirmAsync(winner, CancellationToken.None));
        Assert.False(await records.FinishAsync(winner, CancellationToken.None));
        var writing = await records.ConfirmAsync(takeover!, CancellationToken.None);
        Assert.True(await records.FinishAsync(writing!, CancellationToken.None));
        _time.Advance(LeaseRunsOut);
        Assert.Null(await records.ClaimAsync(await RecordAsync(blobPath), CancellationToken.None));
    }

    [Fact]
    public async Task Claim_RecordWrittenBeforeTheLease_ReadAsClaimedSinceItsLastModifiedUntilTheLeaseRunsOut()
    {
        var records = _services.Get<ScanRecords>();
        var blobPath = $"acme/{Guid.NewGuid():N}/legacy.png";
        const string etag = "0x8DC0FFEE0000002";
        // The shape the first version wrote: result, etag and claimed=true (no claim, attempt, claimedat).
        var legacy = records.Container.GetBlobClient($"{blobPath}/{etag}");
        await records.Container.CreateIfNotExistsAsync();
        var written = (await legacy.UploadAsync(BinaryData.Empty, new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["result"] = Uri.EscapeDataString(MalwareScanResult.NoThreatsFound), ["etag"] = etag, ["claimed"] = "true" } })).Value;

        var record = await RecordAsync(blobPath);

        Assert.Equal((ClaimState.Claimed, 1, written.LastModified), (record.State, record.Attempt, record.ClaimedAt));
        Assert.Null(await records.ClaimAsync(record, CancellationToken.None));
        _time.SetUtcNow(written.LastModified + LeaseRunsOut);
        var takeover = await records.ClaimAsync(await RecordAsync(blobPath), CancellationToken.None);
        Assert.Equal((ClaimState.Claimed, 2), (takeover?.State, takeover?.Attempt));
    }

    /// <summary>Records the verdict events instead of sending them.</summary>
    private sealed class CapturingPublisher : IVerdictPublisher
    {
        public ConcurrentQueue<UploadStatus> Verdicts { get; } = new();

        public Task PublishAsync(UploadStatus verdict, CancellationToken cancellationToken)
        {
            Verdicts.Enqueue(verdict);
            return Task.CompletedTask;
        }
    }

    /// <summary>While <see cref="Failing"/>: every copy into the quarantine container fails (an outage that outlasts the retries).</summary>
    private sealed class QuarantineFault : HttpPipelinePolicy
    {
        public volatile bool Failing;

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            Failing && IsQuarantineWrite(message) ? throw new IOException("The quarantine container cannot be written.") : ProcessNextAsync(message, pipeline);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => ProcessNext(message, pipeline);

        private static bool IsQuarantineWrite(HttpMessage message) =>
            message.Request.Method == RequestMethod.Put && message.Request.Uri.Path.Contains("/quarantine/", StringComparison.Ordinal);
    }

    /// <summary>
    /// The fault: runs <see cref="OnFirstClaim"/> once, right after the first claim on a scan record (attempt 1) was
    /// written, before the claimant goes on: it throws (the instance died) or waits (the instance stalls).
    /// </summary>
    private sealed class ClaimHook : HttpPipelinePolicy
    {
        private int _fired;

        public Func<Task>? OnFirstClaim { get; set; }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (IsFirstClaim(message) && OnFirstClaim is { } fault && Interlocked.Exchange(ref _fired, 1) == 0)
            {
                await fault();
            }
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => ProcessNext(message, pipeline);

        private static bool IsFirstClaim(HttpMessage message) =>
            message.Request.Method == RequestMethod.Put
            && message.Request.Uri.Query.Contains("comp=metadata", StringComparison.Ordinal)
            && message.Request.Uri.Path.Contains("/malware-scans/", StringComparison.Ordinal)
            && message.Request.Headers.TryGetValue("x-ms-meta-claim", out var claim) && claim == "claimed"
            && message.Request.Headers.TryGetValue("x-ms-meta-attempt", out var attempt) && attempt == "1"
            && message.HasResponse && message.Response.Status == 200;
    }
}
