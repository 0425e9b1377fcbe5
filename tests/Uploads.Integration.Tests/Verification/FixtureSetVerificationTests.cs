using Uploads.Core.Uploads;
using Uploads.Core.Verification;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Verification;

/// <summary>
/// Every file of the real-world sets (<see cref="FixtureSet"/>: producers' files, files inside files) gets its manifest
/// verdict on both upload paths against real Azurite: a presigned upload checked by the verifier (range reads) is
/// verified, or quarantined with the reason; a direct upload (one pass over the stream) is stored verified, or answered
/// 415 with the same reason.
/// </summary>
public sealed class FixtureSetVerificationTests(AzuriteOAuthFixture fixture) : AppServicesTest(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>
{
    public static TheoryData<string, string> Files()
    {
        var data = new TheoryData<string, string>();
        foreach (var (set, file) in FixtureSet.Names(FixtureSet.Producers, FixtureSet.Carriers))
        {
            data.Add(set, file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task VerifyAsync_PresignedFixtureSetFile_VerdictAndReasonAsManifest(string set, string file)
    {
        var entry = FixtureSet.Get(set, file);
        var content = entry.Read();
        var blobPath = await PresignedUploadAsync(content, "upload" + Path.GetExtension(file), entry.Type);

        var result = await Services.Get<UploadVerifier>().VerifyAsync(blobPath, CancellationToken.None);

        Assert.True(result.Decided);
        if (!entry.Refused)
        {
            Assert.True(UploadState.Verified == result.Status!.Status, $"{entry}: {result.Status.Status}, {result.Status.Reason}");
            return;
        }

        Assert.Equal(UploadState.Rejected, result.Status!.Status);
        Assert.Contains(entry.Reason!, result.Status.Reason, StringComparison.Ordinal);
        Assert.False((await Uploads.GetBlobClient(blobPath).ExistsAsync()).Value);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task DirectUpload_FixtureSetFile_VerdictAndReasonAsManifest(string set, string file)
    {
        var entry = FixtureSet.Get(set, file);
        var content = entry.Read();
        var (body, type, length) = await Multipart.FileAsync("upload" + Path.GetExtension(file), content, entry.Type);

        var outcome = await Services.Get<DirectUploadService>().UploadAsync(Client, type, length, body, CancellationToken.None);

        if (!entry.Refused)
        {
            Assert.True(outcome.Problem is null, $"{entry}: {outcome.Problem?.Detail}");
            var status = await Services.Get<UploadVerifier>().VerifyAsync(outcome.Value!.BlobPath, CancellationToken.None);
            Assert.Equal(UploadState.Verified, status.Status!.Status);
            return;
        }

        Assert.Equal(415, outcome.Problem!.Status);
        Assert.Contains(entry.Reason!, outcome.Problem.Detail, StringComparison.Ordinal);
    }
}
