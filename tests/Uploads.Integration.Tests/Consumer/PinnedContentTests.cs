using System.Net;
using Azure.Storage.Blobs.Models;
using Uploads.Core.Consumer;
using Uploads.Core.Security;
using Uploads.Core.Storage;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Consumer;

/// <summary>
/// Pinned verified content against Azurite (<see cref="VerifiedPins"/>): what is pinned, what is never taken for a pin,
/// what an upload URL cannot do to a pin, and when a pin goes; read URLs, list and delete through the app's services.
/// On both storage modes (the derived classes).
/// </summary>
public abstract class PinnedContentTestsBase(AzuriteInstance azurite) : AppServicesTest(azurite)
{
    private UploadVerifier Verifier => Services.Get<UploadVerifier>();

    private static byte[] Png() => File.ReadAllBytes(Corpus.Get("image.png").Path);

    private static byte[] Exe() => File.ReadAllBytes(Corpus.Get("binary-pe.exe").Path);

    private async Task<(Uri UploadUrl, string BlobPath)> UploadAsync(byte[] content, string fileName = "a.png", string contentType = "image/png")
    {
        var url = await IssueUrlAsync(fileName, contentType);
        Assert.Equal(HttpStatusCode.Created, await PutAsync(url.UploadUrl, content));
        return (url.UploadUrl, url.BlobPath);
    }

    private async Task<HttpStatusCode> PutAsync(Uri uploadUrl, byte[] content)
    {
        using var http = Azurite.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, uploadUrl) { Content = new ByteArrayContent(content) };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<HttpStatusCode> SendAsync(HttpMethod method, Uri url, params (string Name, string Value)[] headers)
    {
        using var http = Azurite.CreateHttpClient();
        using var request = new HttpRequestMessage(method, url) { Content = method == HttpMethod.Put ? new ByteArrayContent([]) : null };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<List<BlobItem>> SnapshotsAsync(string blobPath)
    {
        var snapshots = new List<BlobItem>();
        await foreach (var item in Uploads.GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Tags, States = BlobStates.Snapshots, Prefix = blobPath }))
        {
            if (item.Snapshot is not null)
            {
                snapshots.Add(item);
            }
        }

        return snapshots;
    }

    [Fact]
    public async Task Verify_PresignedUpload_PinsTheCheckedBytesNamedByTheVerdict()
    {
        var (_, blobPath) = await UploadAsync(Png());

        await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        var pin = Assert.Single(await SnapshotsAsync(blobPath));
        Assert.True(VerifiedPins.IsPin(pin));
        Assert.Equal("image/png", pin.Tags[VerdictTags.Type]);
        Assert.Equal(pin.Snapshot, (await Uploads.GetBlobClient(blobPath).GetTagsAsync()).Value.Tags[VerifiedPins.PinTag]);
        Assert.Equal(Png(), (await Uploads.GetBlobClient(blobPath).WithSnapshot(pin.Snapshot).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task Verify_Pinning_CostsOneSnapshotAndOneTagWriteNoBytes()
    {
        var (_, blobPath) = await UploadAsync(Png());
        Services.Requests.Reset();

        await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        Assert.Equal(1, Services.Requests.Count("PUT", "snapshot"));
        Assert.Equal(2, Services.Requests.Count("PUT", "tags"));
    }

    [Fact]
    public async Task UploadersSnapshot_OfTheVerifiedBlob_NeverTakenForThePin()
    {
        var (uploadUrl, blobPath) = await UploadAsync(Png());
        await Verifier.VerifyAsync(blobPath, CancellationToken.None);
        var pin = Assert.Single(await SnapshotsAsync(blobPath)).Snapshot;

        // The upload URL's Write allows Snapshot Blob: the copy inherits the base's tags, pin included, with another time.
        Assert.Equal(HttpStatusCode.Created, await SendAsync(HttpMethod.Put, new Uri(uploadUrl + "&comp=snapshot")));
        var content = await VerifiedPins.ReadAsync(Services.Get<UploadContainers>().Uploads, blobPath, CancellationToken.None);

        Assert.Equal(2, (await SnapshotsAsync(blobPath)).Count);
        Assert.Equal(pin, content.Pin!.Snapshot);
        Assert.Single(await SnapshotsAsync(blobPath), VerifiedPins.IsPin);
    }

    [Fact]
    public async Task UploadUrl_OnThePin_CannotDeleteOrTagIt()
    {
        var (uploadUrl, blobPath) = await UploadAsync(Png());
        await Verifier.VerifyAsync(blobPath, CancellationToken.None);
        var pin = Uri.EscapeDataString(Assert.Single(await SnapshotsAsync(blobPath)).Snapshot);

        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Delete, new Uri(uploadUrl + "&snapshot=" + pin)));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Put, new Uri(uploadUrl + "&snapshot=" + pin + "&comp=tags")));
        Assert.True(VerifiedPins.IsPin(Assert.Single(await SnapshotsAsync(blobPath))));
    }

    [Fact]
    public async Task UploadUrl_PinMovedToArchive_NoLongerAPinAndTheReadUrlPinsAgain()
    {
        var (uploadUrl, blobPath) = await UploadAsync(Png());
        await Verifier.VerifyAsync(blobPath, CancellationToken.None);
        var pin = Assert.Single(await SnapshotsAsync(blobPath)).Snapshot;

        // Azurite lets a user-delegation upload URL re-tier a snapshot (it leaves the snapshot out of the signature
        // check) and refuses the account-key one; either way the reader gets readable verified bytes.
        await SendAsync(HttpMethod.Put, new Uri(uploadUrl + "&snapshot=" + Uri.EscapeDataString(pin) + "&comp=tier"), ("x-ms-access-tier", "Archive"));
        var outcome = await Services.Get<ReadUrlService>().IssueAsync(Client, new ReadUrlRequest(blobPath), CancellationToken.None);

        Assert.Null(outcome.Problem);
        var current = Assert.Single(await SnapshotsAsync(blobPath), VerifiedPins.IsPin);
        Assert.Equal(current.Snapshot, new Azure.Storage.Blobs.BlobUriBuilder(outcome.Value!.ReadUrl).Snapshot);
        Assert.Equal(Png(), (await Uploads.GetBlobClient(blobPath).WithSnapshot(current.Snapshot).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task Overwrite_WithExe_PinStaysUntilTheExeIsRejectedThenGoes()
    {
        var (uploadUrl, blobPath) = await UploadAsync(Png());
        await Verifier.VerifyAsync(blobPath, CancellationToken.None);
        Assert.Equal(HttpStatusCode.Created, await PutAsync(uploadUrl, Exe()));

        var readUrls = Services.Get<ReadUrlService>();
        var beforeVerdict = await readUrls.IssueAsync(Client, new ReadUrlRequest(blobPath), CancellationToken.None);
        Assert.Equal("image/png", beforeVerdict.Value!.ContentType);
        Assert.Equal(Png().Length, beforeVerdict.Value.SizeBytes);

        var result = await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        Assert.Equal(UploadState.Rejected, result.Status!.Status);
        Assert.Empty(await SnapshotsAsync(blobPath));
        var afterVerdict = await readUrls.IssueAsync(Client, new ReadUrlRequest(blobPath), CancellationToken.None);
        Assert.Equal((409, ProblemCodes.UploadRejected), (afterVerdict.Problem!.Status, afterVerdict.Problem.Code));
    }

    [Fact]
    public async Task ReadUrl_VerifiedBlobWithoutPin_PinnedOnDemandConditionalOnItsETag()
    {
        // A blob verified before pins existed: its verdict tags, no snapshot.
        var (_, blobPath) = await UploadAsync(Png());
        await Verifier.VerifyAsync(blobPath, CancellationToken.None);
        await Uploads.GetBlobClient(blobPath).DeleteAsync(DeleteSnapshotsOption.OnlySnapshots);

        var outcome = await Services.Get<ReadUrlService>().IssueAsync(Client, new ReadUrlRequest(blobPath), CancellationToken.None);

        Assert.Null(outcome.Problem);
        Assert.True(VerifiedPins.IsPin(Assert.Single(await SnapshotsAsync(blobPath))));
    }

    [Fact]
    public async Task Delete_VerifiedAndLeasedByItsUploader_RemovedWithThePinAndIdempotent()
    {
        var (uploadUrl, blobPath) = await UploadAsync(Png());
        await Verifier.VerifyAsync(blobPath, CancellationToken.None);
        Assert.Equal(HttpStatusCode.Created, await SendAsync(HttpMethod.Put, new Uri(uploadUrl + "&comp=lease"), ("x-ms-lease-action", "acquire"), ("x-ms-lease-duration", "-1")));
        var catalog = Services.Get<UploadCatalog>();

        Assert.Null(await catalog.DeleteAsync(Client, blobPath, CancellationToken.None));
        Assert.Null(await catalog.DeleteAsync(Client, blobPath, CancellationToken.None));

        Assert.Equal(0, await CountBlobsAsync(Uploads, blobPath));
        Assert.Empty(await SnapshotsAsync(blobPath));
    }

    [Fact]
    public async Task Delete_RejectedUpload_QuarantinedCopyStays()
    {
        var (_, blobPath) = await UploadAsync(Exe());
        await Verifier.VerifyAsync(blobPath, CancellationToken.None);

        Assert.Null(await Services.Get<UploadCatalog>().DeleteAsync(Client, blobPath, CancellationToken.None));

        Assert.True((await Quarantine.GetBlobClient(blobPath).ExistsAsync()).Value);
    }

    [Fact]
    public async Task Delete_AnotherClientsPath_404NothingRemoved()
    {
        var (_, blobPath) = await UploadAsync(Png());

        var problem = await Services.Get<UploadCatalog>().DeleteAsync(new ApiClient("globex"), blobPath, CancellationToken.None);

        Assert.Equal(404, problem!.Status);
        Assert.Equal(1, await CountBlobsAsync(Uploads, blobPath));
    }
}

public sealed class PinnedContentTests(AzuriteOAuthFixture fixture) : PinnedContentTestsBase(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>;

public sealed class PinnedContentSharedKeyTests(AzuriteSharedKeyFixture fixture) : PinnedContentTestsBase(fixture.Azurite), IClassFixture<AzuriteSharedKeyFixture>;
