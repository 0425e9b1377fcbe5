using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Verification;

/// <summary>
/// A verifier that dies between the quarantine copy and the delete of the original (the delete never reaches
/// storage, as when the process is killed there), then runs again: one copy, the original deleted once, and only
/// after its copy. The fault is a pipeline policy on the app's own storage client; storage is real Azurite.
/// </summary>
public sealed class QuarantineFaultTests(AzuriteOAuthFixture fixture) : AppServicesTest(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>
{
    private readonly DeleteFault _fault = new();

    protected override Task<UploadsServices> StartServicesAsync() => StartServicesWithStorageFaultAsync(_fault);

    [Fact]
    public async Task VerifyAsync_DiesBetweenQuarantineCopyAndDelete_RerunLeavesOneCopyAndDeletesOnceAfterIt()
    {
        var url = await IssueUrlAsync("holiday.jpg", "image/jpeg");
        await new BlobClient(url.UploadUrl, Azurite.CreateBlobClientOptions()).UploadAsync(new BinaryData(await File.ReadAllBytesAsync(Corpus.Get("document.pdf").Path)));
        var service = Azurite.CreateServiceClient();
        var original = service.GetBlobContainerClient("uploads").GetBlobClient(url.BlobPath);
        var verifier = Services.Get<UploadVerifier>();

        _fault.FailDeletes = true;
        await Assert.ThrowsAnyAsync<Exception>(() => verifier.VerifyAsync(url.BlobPath, CancellationToken.None));

        // Killed after the copy: the copy is complete, the original is still there, nothing was deleted.
        Assert.True((await original.ExistsAsync()).Value);
        Assert.Equal([url.BlobPath], await QuarantinedAsync(service, url.BlobPath));
        Assert.Equal(0, _fault.DeletesSent);

        _fault.FailDeletes = false;
        var rerun = await verifier.VerifyAsync(url.BlobPath, CancellationToken.None);

        Assert.Equal(UploadState.Rejected, rerun.Status!.Status);
        Assert.False((await original.ExistsAsync()).Value);
        Assert.Equal([url.BlobPath], await QuarantinedAsync(service, url.BlobPath));
        Assert.Equal(1, _fault.DeletesSent);
        Assert.True(_fault.LastDeleteSentAfterCopy, "the original was deleted only once its copy had been requested and checked");
        var copy = (await service.GetBlobContainerClient("quarantine").GetBlobClient(url.BlobPath).GetPropertiesAsync()).Value;
        Assert.Equal(CopyStatus.Success, copy.CopyStatus);
        Assert.Equal(new FileInfo(Corpus.Get("document.pdf").Path).Length, copy.ContentLength);

        // A third delivery changes nothing.
        Assert.False((await verifier.VerifyAsync(url.BlobPath, CancellationToken.None)).Decided);
        Assert.Equal(1, _fault.DeletesSent);
    }

    private static async Task<List<string>> QuarantinedAsync(BlobServiceClient service, string blobPath)
    {
        var names = new List<string>();
        await foreach (var item in service.GetBlobContainerClient("quarantine").GetBlobsAsync(BlobTraits.None, BlobStates.None, blobPath, CancellationToken.None))
        {
            names.Add(item.Name);
        }

        return names;
    }

    /// <summary>Fails (before sending) every Delete Blob in the uploads container while armed; records what was sent.</summary>
    private sealed class DeleteFault : HttpPipelineSynchronousPolicy
    {
        private readonly ConcurrentQueue<string> _sent = new();
        private int _deletesSent;

        public volatile bool FailDeletes;

        public int DeletesSent => Volatile.Read(ref _deletesSent);

        /// <summary>The last Delete Blob of an original came after a Copy Blob into quarantine.</summary>
        public bool LastDeleteSentAfterCopy
        {
            get
            {
                var sent = _sent.ToArray();
                var delete = Array.FindLastIndex(sent, s => s == "delete");
                return delete > 0 && Array.FindIndex(sent, s => s == "copy") is var copy && copy >= 0 && copy < delete;
            }
        }

        public override void OnSendingRequest(HttpMessage message)
        {
            var request = message.Request;
            var path = request.Uri.Path;
            if (request.Method == RequestMethod.Delete && path.Contains("/uploads/", StringComparison.Ordinal) && !request.Uri.Query.Contains("snapshot", StringComparison.Ordinal))
            {
                if (FailDeletes)
                {
                    throw new IOException("Injected: the process died before deleting the original.");
                }

                if (request.Headers.TryGetValue("x-ms-delete-snapshots", out var snapshots) && snapshots == "include")
                {
                    Interlocked.Increment(ref _deletesSent);
                    _sent.Enqueue("delete");
                }
            }
            else if (request.Method == RequestMethod.Put && path.Contains("/quarantine/", StringComparison.Ordinal) && request.Headers.TryGetValue("x-ms-copy-source", out _))
            {
                _sent.Enqueue("copy");
            }
        }
    }
}
