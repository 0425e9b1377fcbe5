using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Verification;

/// <summary>
/// Storage that does not answer for one upload during a reconciliation pass (the SDK's network timeout, which ends in
/// its own <see cref="TaskCanceledException"/>) leaves that upload pending for the next pass and does not end the pass:
/// the pass asks the one storage-failure classifier (<c>StorageFailures.IsUnavailable</c>). The fault is a pipeline
/// policy on the app's own storage client; storage is real Azurite.
/// </summary>
public sealed class ReconcilerStorageFaultTests(AzuriteOAuthFixture fixture) : AppServicesTest(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>
{
    private readonly TimeoutFault _fault = new();

    protected override Task<UploadsServices> StartServicesAsync() =>
        StartServicesWithStorageFaultAsync(_fault, new Dictionary<string, string?> { ["Verification:ReconcileGracePeriod"] = "00:00:00" });

    [Fact]
    public async Task RunAsync_StorageTimesOutForOneUpload_CountsItFailedLeavesItPendingAndVerifiesTheOthers()
    {
        var png = await File.ReadAllBytesAsync(TestFixtures.CorpusFile("image.png"));
        var stalled = await PresignedUploadAsync(png, "stalled.png", "image/png");
        var healthy = await PresignedUploadAsync(png, "healthy.png", "image/png");
        _fault.Stalled[stalled] = true;

        var pass = await Services.Get<UploadReconciler>().RunAsync(CancellationToken.None);

        Assert.True(_fault.Failures > 0, "the fault reached the stalled upload's requests");
        Assert.Equal(1, pass.Failed);
        Assert.Equal(1, pass.Verified);
        _fault.Stalled.Clear();
        var (left, _) = await Services.Get<VerdictStore>().ReadAsync(stalled, CancellationToken.None);
        Assert.Equal(UploadState.Pending, left!.Status);
        var (done, _) = await Services.Get<VerdictStore>().ReadAsync(healthy, CancellationToken.None);
        Assert.Equal(UploadState.Verified, done!.Status);

        // The next pass, storage healthy again, verifies it.
        var next = await Services.Get<UploadReconciler>().RunAsync(CancellationToken.None);

        Assert.Equal(0, next.Failed);
        Assert.Equal(1, next.Verified);
    }

    /// <summary>While a blob path is in <see cref="Stalled"/>, every request for it fails as the SDK's network timeout does, before it is sent.</summary>
    private sealed class TimeoutFault : HttpPipelineSynchronousPolicy
    {
        private int _failures;

        public ConcurrentDictionary<string, bool> Stalled { get; } = new(StringComparer.Ordinal);

        public int Failures => Volatile.Read(ref _failures);

        public override void OnSendingRequest(HttpMessage message)
        {
            var path = Uri.UnescapeDataString(message.Request.Uri.Path);
            if (Stalled.Keys.Any(blobPath => path.EndsWith("/" + blobPath, StringComparison.Ordinal)))
            {
                Interlocked.Increment(ref _failures);
                throw new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout of 0:00:20.");
            }
        }
    }
}
