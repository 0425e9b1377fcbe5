using System.Text;
using System.Web;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Uploads.Core.Naming;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Uploads;

/// <summary>
/// Renewing the URL of an unfinished upload (<c>{"blobPath": …}</c>) with the app's own services against real
/// Azurite, on the production signing path (user delegation over HTTPS).
/// </summary>
public sealed class UploadUrlRenewalTests(AzuriteOAuthFixture fixture) : AppServicesTest(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>
{
    private UploadUrlService Urls => Services.Get<UploadUrlService>();

    private Task<UploadUrlResponse> IssueAsync(string fileName = "notes.txt", string contentType = "text/plain") => IssueUrlAsync(fileName, contentType);

    private async Task<UploadUrlResponse> RenewAsync(string blobPath, ApiClient? client = null)
    {
        var outcome = await Urls.IssueAsync(client ?? Client, new UploadUrlRequest(null, null, null, blobPath), CancellationToken.None);
        Assert.Null(outcome.Problem);
        return outcome.Value!;
    }

    private async Task<UploadProblem> RefusedAsync(string blobPath, ApiClient? client = null)
    {
        var outcome = await Urls.IssueAsync(client ?? Client, new UploadUrlRequest(null, null, null, blobPath), CancellationToken.None);
        Assert.NotNull(outcome.Problem);
        return outcome.Problem;
    }

    private BlockBlobClient Blocks(Uri url) => new(url, Azurite.CreateBlobClientOptions());

    private static string BlockId(int index) => Convert.ToBase64String(Encoding.ASCII.GetBytes($"block-{index:D6}"));

    [Fact]
    public async Task RenewAsync_StagedBlocks_NewUrlForTheSamePathStagesTheRestAndCommits()
    {
        var first = await IssueAsync();
        await Blocks(first.UploadUrl).StageBlockAsync(BlockId(0), new BinaryData("first half, ").ToStream());

        var renewed = await RenewAsync(first.BlobPath);
        Assert.Equal([new StagedBlock(BlockId(0), "first half, ".Length)], renewed.StagedBlocks);
        var blocks = Blocks(renewed.UploadUrl);
        await blocks.StageBlockAsync(BlockId(1), new BinaryData("second half.").ToStream());
        await blocks.CommitBlockListAsync([BlockId(0), BlockId(1)]);

        Assert.Equal(first.BlobPath, renewed.BlobPath);
        Assert.True(renewed.ExpiresAt >= first.ExpiresAt);
        var query = HttpUtility.ParseQueryString(renewed.UploadUrl.Query);
        Assert.Equal("cw", query["sp"]);
        Assert.Equal("b", query["sr"]);
        Assert.InRange(renewed.ExpiresAt, DateTime.UtcNow.AddMinutes(59), DateTime.UtcNow.AddHours(1));
        var stored = await Azurite.CreateServiceClient().GetBlobContainerClient("uploads").GetBlobClient(first.BlobPath).DownloadContentAsync();
        Assert.Equal("first half, second half.", stored.Value.Content.ToString());
    }

    [Fact]
    public async Task RenewAsync_CommittedNotYetChecked_VerifiedOnTheSpotAndRefused()
    {
        var first = await IssueAsync();
        await Blocks(first.UploadUrl).UploadAsync(new BinaryData("plain text").ToStream());

        var problem = await RefusedAsync(first.BlobPath);

        Assert.Equal((409, "upload_verified"), (problem.Status, problem.Code));
    }

    [Fact]
    public async Task RenewAsync_NothingUploadedYet_NotFound()
    {
        var first = await IssueAsync();

        var problem = await RefusedAsync(first.BlobPath);

        Assert.Equal((404, "not_found"), (problem.Status, problem.Code));
        Assert.Contains("nothing to resume", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenewAsync_AnotherClientsPath_Forbidden()
    {
        var first = await IssueAsync();
        await Blocks(first.UploadUrl).StageBlockAsync(BlockId(0), new BinaryData("x").ToStream());

        var problem = await RefusedAsync(first.BlobPath, new ApiClient("other"));

        Assert.Equal((403, "foreign_blob_path"), (problem.Status, problem.Code));
    }

    [Theory]
    [InlineData("acme/not-hex/notes.txt")]
    [InlineData("acme/notes.txt")]
    [InlineData("acme/0123456789abcdef0123456789abcdef/../x.txt")]
    public async Task RenewAsync_MalformedPath_BadRequest(string blobPath)
    {
        var problem = await RefusedAsync(blobPath);

        Assert.Equal((400, "invalid_blob_path"), (problem.Status, problem.Code));
    }

    [Fact]
    public async Task RenewAsync_Verified_Conflict()
    {
        var first = await IssueAsync();
        await Blocks(first.UploadUrl).UploadAsync(new BinaryData("plain text, verified").ToStream());
        var status = await Services.Get<UploadStatusService>().GetAsync(Client, first.BlobPath, CancellationToken.None);
        Assert.Equal(UploadState.Verified, status.Value!.Status);

        var problem = await RefusedAsync(first.BlobPath);

        Assert.Equal((409, "upload_verified"), (problem.Status, problem.Code));
    }

    [Fact]
    public async Task RenewAsync_Rejected_ConflictWithTheReason()
    {
        var first = await IssueAsync("report.pdf", "application/pdf");
        await Blocks(first.UploadUrl).UploadAsync(new BinaryData("this is not a PDF").ToStream());
        var status = await Services.Get<UploadStatusService>().GetAsync(Client, first.BlobPath, CancellationToken.None);
        Assert.Equal(UploadState.Rejected, status.Value!.Status);

        var problem = await RefusedAsync(first.BlobPath);

        Assert.Equal((409, "upload_rejected"), (problem.Status, problem.Code));
        Assert.Contains(status.Value.Reason!, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenewAsync_PastTheWindow_Gone()
    {
        // Blocks staged at a path issued eight days ago (the admin client stands in for the URL of that day).
        var blobPath = BlobPath.Create(Client.Id, "old.txt", DateTimeOffset.UtcNow.AddDays(-8));
        await StageAsAdminAsync(blobPath);

        var problem = await RefusedAsync(blobPath);

        Assert.Equal((410, "renewal_window_closed"), (problem.Status, problem.Code));
    }

    [Fact]
    public async Task RenewAsync_IssueTimeInTheFuture_Gone()
    {
        var blobPath = BlobPath.Create(Client.Id, "future.txt", DateTimeOffset.UtcNow.AddDays(1));
        await StageAsAdminAsync(blobPath);

        var problem = await RefusedAsync(blobPath);

        Assert.Equal((410, "renewal_window_closed"), (problem.Status, problem.Code));
    }

    [Fact]
    public async Task RenewAsync_WindowClosesWithinTheHour_UrlExpiresWithTheWindow()
    {
        var issued = DateTimeOffset.UtcNow.AddDays(-7).AddMinutes(10);
        var blobPath = BlobPath.Create(Client.Id, "late.txt", issued);
        await StageAsAdminAsync(blobPath);

        var renewed = await RenewAsync(blobPath);

        Assert.Equal(BlobPath.IssuedAt(blobPath).AddDays(7).UtcDateTime, renewed.ExpiresAt);
    }

    [Fact]
    public async Task IssueAsync_BlobPathWithFilename_BadRequest()
    {
        var outcome = await Urls.IssueAsync(Client, new UploadUrlRequest("a.txt", "text/plain", null, "acme/0123456789abcdef0123456789abcdef/a.txt"), CancellationToken.None);

        Assert.Equal((400, "ambiguous_request"), (outcome.Problem!.Status, outcome.Problem.Code));
    }

    private async Task StageAsAdminAsync(string blobPath)
    {
        var blob = Azurite.CreateServiceClient().GetBlobContainerClient("uploads").GetBlockBlobClient(blobPath);
        await blob.StageBlockAsync(BlockId(0), new BinaryData("staged").ToStream());
        var list = await blob.GetBlockListAsync(BlockListTypes.Uncommitted);
        Assert.Single(list.Value.UncommittedBlocks);
    }
}
