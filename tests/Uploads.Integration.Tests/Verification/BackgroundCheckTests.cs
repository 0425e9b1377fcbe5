using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Uploads.Core.Uploads;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Verification;

/// <summary>
/// Request paths stay fast: a status or renewal request waits <see cref="VerificationOptions.RequestWait"/> at most
/// for a check, then answers pending while the check goes on in the background, once per blob, and every check takes
/// a slot of the scheduler (here one slot). A check is made slow deterministically: a pipeline policy on the app's own
/// storage client holds its range reads until the test lets them go; storage is real Azurite. Every wait is on a
/// state (a held read, a check's outcome), never on a timer; <see cref="Hang"/> only stops a broken test from hanging.
/// </summary>
public sealed class BackgroundCheckTests(AzuriteOAuthFixture fixture) : AppServicesTest(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    private readonly RangeReadGate _gate = new();

    private UploadVerifier Verifier => Services.Get<UploadVerifier>();

    private UploadStatusService Statuses => Services.Get<UploadStatusService>();

    private CheckScheduler Scheduler => Services.Get<CheckScheduler>();

    protected override Task<UploadsServices> StartServicesAsync()
    {
        var options = Azurite.CreateBlobClientOptions();
        options.AddPolicy(_gate, HttpPipelinePosition.PerCall);
        return UploadsServices.StartAsync(
            Azurite,
            new Dictionary<string, string?> { ["Verification:RequestWait"] = "00:00:00.200", ["Verification:MaxConcurrentChecks"] = "1" },
            services => services.Replace(ServiceDescriptor.Singleton(options)));
    }

    public override async Task DisposeAsync()
    {
        _gate.Release();
        await base.DisposeAsync();
    }

    private async Task<(string BlobPath, long Size)> UploadPngAsync()
    {
        var png = await File.ReadAllBytesAsync(Corpus.Get("image.png").Path);
        return (await PresignedUploadAsync(png, "photo.png", "image/png"), png.Length);
    }

    [Fact]
    public async Task GetAsync_CheckOutlastsTheRequestWait_PendingWithRetryAfterAndTheCheckEndsInTheBackground()
    {
        var (blobPath, size) = await UploadPngAsync();
        _gate.Hold();
        using var request = new CancellationTokenSource();

        var first = await Statuses.GetAsync(Client, blobPath, request.Token).WaitAsync(Hang);

        Assert.Equal((UploadState.Pending, size), (first.Value!.Status, first.Value.SizeBytes));
        Assert.Equal(RetryAdvice.NotYet, UploadStatusService.RetryAfter(first.Value));
        await _gate.FirstHeld.WaitAsync(Hang);
        Assert.Equal(1, _gate.RangeReads);

        // The request is gone; its check is not.
        await request.CancelAsync();
        _gate.Release();
        var joined = await Verifier.VerifyAsync(blobPath, CancellationToken.None).WaitAsync(Hang);

        Assert.Equal(UploadState.Verified, joined.Status!.Status);
        Assert.False(joined.Decided, "the check the status request started reached the verdict, not a second one");
        Assert.Equal(1, _gate.VerdictWrites);
        var later = await Statuses.GetAsync(Client, blobPath, CancellationToken.None);
        Assert.Equal((UploadState.Verified, "image/png"), (later.Value!.Status, later.Value.DetectedType));
        Assert.Null(UploadStatusService.RetryAfter(later.Value));
    }

    [Fact]
    public async Task GetAsync_ManyCallsWhileTheTriggersCheckRuns_OneCheckOneVerdict()
    {
        var (blobPath, _) = await UploadPngAsync();
        _gate.Hold();
        var trigger = Verifier.VerifyAsync(blobPath, CancellationToken.None);
        await _gate.FirstHeld.WaitAsync(Hang);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Statuses.GetAsync(Client, blobPath, CancellationToken.None))).WaitAsync(Hang);

        Assert.All(statuses, s => Assert.Equal(UploadState.Pending, s.Value!.Status));
        Assert.Equal(1, _gate.RangeReads);
        Assert.Equal((1, 0), (Scheduler.Running, Scheduler.Waiting));
        Assert.False(trigger.IsCompleted);

        _gate.Release();
        var result = await trigger.WaitAsync(Hang);

        Assert.True(result.Decided);
        Assert.Equal(UploadState.Verified, result.Status!.Status);
        Assert.Equal(1, _gate.VerdictWrites);
        Assert.Equal(UploadState.Verified, (await Statuses.GetAsync(Client, blobPath, CancellationToken.None)).Value!.Status);
    }

    [Fact]
    public async Task GetAsync_AllSlotsTakenByAnotherCheck_PendingWithoutReadingThenCheckedInTurn()
    {
        var (held, _) = await UploadPngAsync();
        var (waiting, size) = await UploadPngAsync();
        _gate.Hold();
        var trigger = Verifier.VerifyAsync(held, CancellationToken.None);
        await _gate.FirstHeld.WaitAsync(Hang);

        var status = await Statuses.GetAsync(Client, waiting, CancellationToken.None).WaitAsync(Hang);

        Assert.Equal((UploadState.Pending, size), (status.Value!.Status, status.Value.SizeBytes));
        Assert.Equal((1, 1), (Scheduler.Running, Scheduler.Waiting));
        Assert.Equal(1, _gate.RangeReads);

        _gate.Release();
        Assert.Equal(UploadState.Verified, (await trigger.WaitAsync(Hang)).Status!.Status);
        var queued = await Verifier.VerifyAsync(waiting, CancellationToken.None).WaitAsync(Hang);
        Assert.Equal(UploadState.Verified, queued.Status!.Status);
        Assert.False(queued.Decided, "decided by the check the status request queued");
        Assert.Equal(2, _gate.VerdictWrites);
    }

    [Fact]
    public async Task RenewAsync_CommittedBlobUnderCheck_RenewedAsPendingWithoutWaitingForTheCheck()
    {
        var url = await IssueUrlAsync("notes.txt", "text/plain");
        using (var http = Azurite.CreateHttpClient())
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, await PresignedUpload.PutAsync(http, url.UploadUrl, new StringContent("plain text, still being checked")));
        }

        _gate.Hold();
        var trigger = Verifier.VerifyAsync(url.BlobPath, CancellationToken.None);
        await _gate.FirstHeld.WaitAsync(Hang);
        var urls = Services.Get<UploadUrlService>();

        var renewal = await urls.IssueAsync(Client, new UploadUrlRequest(null, null, null, url.BlobPath), CancellationToken.None).AsTask().WaitAsync(Hang);

        Assert.Null(renewal.Problem);
        Assert.Equal(url.BlobPath, renewal.Value!.BlobPath);
        Assert.Empty(renewal.Value.StagedBlocks!);
        Assert.False(trigger.IsCompleted, "the renewal answered while the check was still held");

        _gate.Release();
        Assert.Equal(UploadState.Verified, (await trigger.WaitAsync(Hang)).Status!.Status);
        var after = await urls.IssueAsync(Client, new UploadUrlRequest(null, null, null, url.BlobPath), CancellationToken.None);
        Assert.Equal((409, ProblemCodes.UploadVerified), (after.Problem!.Status, after.Problem.Code));
    }

    [Fact]
    public async Task VerifyAsync_ApplicationStopsDuringTheCheck_CancelledAndNoVerdict()
    {
        var (blobPath, _) = await UploadPngAsync();
        _gate.Hold();
        var trigger = Verifier.VerifyAsync(blobPath, CancellationToken.None);
        await _gate.FirstHeld.WaitAsync(Hang);

        Verifier.Dispose();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trigger.WaitAsync(Hang));
        Assert.Equal(0, _gate.VerdictWrites);
        Assert.Equal(0, Scheduler.Running);
        var blob = (await Uploads.GetBlobClient(blobPath).GetTagsAsync()).Value.Tags;
        Assert.Empty(blob);
    }

    [Fact]
    public async Task VerifyAsync_CallerCancelsItsWait_CheckGoesOnToItsVerdict()
    {
        var (blobPath, _) = await UploadPngAsync();
        _gate.Hold();
        using var caller = new CancellationTokenSource();
        var trigger = Verifier.VerifyAsync(blobPath, caller.Token);
        await _gate.FirstHeld.WaitAsync(Hang);

        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trigger.WaitAsync(Hang));
        Assert.Equal((1, 1), (_gate.RangeReads, Scheduler.Running));
        var joined = Verifier.VerifyAsync(blobPath, CancellationToken.None);
        _gate.Release();
        var result = await joined.WaitAsync(Hang);
        Assert.Equal(UploadState.Verified, result.Status!.Status);
        Assert.False(result.Decided);
        Assert.Equal(1, _gate.VerdictWrites);
    }

    /// <summary>
    /// Holds every range read of the uploads container (a check's reads of the bytes) from <see cref="Hold"/> until
    /// <see cref="Release"/>, honouring the request's cancellation; counts the range reads and the verdict writes
    /// (Set Blob Tags on the uploads container).
    /// </summary>
    private sealed class RangeReadGate : HttpPipelinePolicy
    {
        private readonly TaskCompletionSource _firstHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _holding;
        private int _rangeReads;
        private int _verdictWrites;

        /// <summary>Completes when the first range read is held.</summary>
        public Task FirstHeld => _firstHeld.Task;

        public int RangeReads => Volatile.Read(ref _rangeReads);

        public int VerdictWrites => Volatile.Read(ref _verdictWrites);

        public void Hold() => _holding = true;

        public void Release() => _released.TrySetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await HoldAsync(message).ConfigureAwait(false);
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            HoldAsync(message).AsTask().GetAwaiter().GetResult();
            ProcessNext(message, pipeline);
        }

        private async ValueTask HoldAsync(HttpMessage message)
        {
            var request = message.Request;
            if (!request.Uri.Path.Contains("/uploads/", StringComparison.Ordinal))
            {
                return;
            }

            // The verdict on the blob, not the copy of it on the blob's pin (a snapshot: VerifiedPins).
            if (request.Method == RequestMethod.Put && request.Uri.Query.Contains("comp=tags", StringComparison.Ordinal) && !request.Uri.Query.Contains("snapshot=", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _verdictWrites);
            }
            else if (_holding && request.Method == RequestMethod.Get && (request.Headers.TryGetValue("x-ms-range", out _) || request.Headers.TryGetValue("Range", out _)))
            {
                Interlocked.Increment(ref _rangeReads);
                _firstHeld.TrySetResult();
                await _released.Task.WaitAsync(message.CancellationToken).ConfigureAwait(false);
            }
        }
    }
}
