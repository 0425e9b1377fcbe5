using System.Net.Http.Json;
using System.Security.Cryptography;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Python;

/// <summary>
/// The guide's Python examples, run as written (only API_BASE and the key changed) with Debian's requests,
/// aiohttp and azure-storage-blob, against the API over real HTTP and real Azurite.
/// </summary>
public sealed class GuideExamplesTests(ApiHost host) : IClassFixture<ApiHost>, IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static byte[] Pdf => "%PDF-1.7\n"u8.ToArray();

    /// <summary>
    /// Asks for the status as the guide's client does: "pending" (a check of a large file still running, its answer
    /// carrying Retry-After) is asked again until decided, within a bound; then the decision must be "verified".
    /// </summary>
    private async Task AssertVerifiedAsync(string blobPath, string expectedType)
    {
        using var api = host.CreateClient();
        System.Text.Json.JsonElement status = default;
        var decided = await Eventually.WithinAsync(
            async () =>
            {
                status = await api.GetFromJsonAsync<System.Text.Json.JsonElement>(HttpRoutes.StatusOf(blobPath));
                return status.GetProperty("status").GetString() != "pending";
            },
            TimeSpan.FromSeconds(60));
        Assert.True(decided, $"{blobPath} still pending after 60 s");
        Assert.Equal("verified", status.GetProperty("status").GetString());
        Assert.Equal(expectedType, status.GetProperty("detectedType").GetString());
    }

    private async Task AssertStoredAsync(string blobPath, string file)
    {
        var blob = host.Uploads.GetBlobClient(blobPath);
        var stored = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(file)), SHA256.HashData(stored));
        Assert.StartsWith(ApiHost.ClientId + "/", blobPath, StringComparison.Ordinal);
        Assert.EndsWith("/" + Path.GetFileName(file), blobPath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadFileWithPresignedUrl_GuideExample_StoresFileWithSinglePut()
    {
        var file = _files.FromCorpus("video-h264.mp4", "meeting-recording.mp4");

        var run = await PythonGuide.RunAsync(host, "presigned", file);

        Assert.True(run.ExitCode == 0, run.Output);
        var blobPath = run.Results.Single().GetProperty("blobPath").GetString()!;
        await AssertStoredAsync(blobPath, file);
        await AssertVerifiedAsync(blobPath, "video/mp4");
    }

    [Fact]
    public async Task UploadFilesParallel_GuideExample_StoresEveryFile()
    {
        string[] files =
        [
            _files.FromCorpus("video.mov", "clip.mov"),
            _files.FromCorpus("audio-cbr.mp3", "voice.mp3"),
            _files.FromCorpus("audio-pcm16.wav", "take.wav"),
            _files.FromCorpus("image.jpg", "photo.jpg"),
            _files.FromCorpus("image.png", "diagram.png"),
            _files.FromCorpus("document.pdf", "contract.pdf"),
            _files.FromCorpus("text-utf8.txt", "notes.txt"),
        ];

        var run = await PythonGuide.RunAsync(host, "parallel", files);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(files.Length, run.Results.Count);
        foreach (var result in run.Results)
        {
            await AssertStoredAsync(result.GetProperty("blobPath").GetString()!, result.GetProperty("file").GetString()!);
            await AssertVerifiedAsync(result.GetProperty("blobPath").GetString()!, Path.GetExtension(result.GetProperty("file").GetString()) switch
            {
                ".mov" => "video/quicktime",
                ".mp3" => "audio/mpeg",
                ".wav" => "audio/wav",
                ".jpg" => "image/jpeg",
                ".png" => "image/png",
                ".pdf" => "application/pdf",
                _ => "text/plain",
            });
        }
    }

    [Fact]
    public async Task UploadLargeFile_GuideSdkExampleOver64MiB_UsesBlockUpload()
    {
        // Above the SDK's 64 MiB single-put threshold upload_blob switches to Put Block + Put Block List:
        // the path a file over 5,000 MiB must take, here at a size a test can afford.
        var file = _files.Create("large-recording.pdf", 72L * 1024 * 1024, Pdf);

        var run = await PythonGuide.RunAsync(host, "large", file);

        Assert.True(run.ExitCode == 0, run.Output);
        var blobPath = run.Results.Single().GetProperty("blobPath").GetString()!;
        await AssertStoredAsync(blobPath, file);
        var blocks = (await host.Uploads.GetBlockBlobClient(blobPath).GetBlockListAsync(BlockListTypes.Committed)).Value;
        Assert.True(blocks.CommittedBlocks.Count() > 1, "upload_blob should have used a block upload");
        await AssertVerifiedAsync(blobPath, "application/pdf");
    }

    [Fact]
    public async Task UploadFileDirect_GuideExample_Stores()
    {
        var file = _files.FromCorpus("document.pdf", "small-file.pdf");

        var run = await PythonGuide.RunAsync(host, "direct", file);

        Assert.True(run.ExitCode == 0, run.Output);
        var blobPath = run.Results.Single().GetProperty("blobPath").GetString()!;
        await AssertStoredAsync(blobPath, file);
        await AssertVerifiedAsync(blobPath, "application/pdf");
    }

    [Fact]
    public async Task UploadFileDirect_GuideExampleOver10MB_413ProblemPointingToPresignedUrls()
    {
        var file = _files.Create("too-big.pdf", 10L * 1024 * 1024 + 1, Pdf);

        var run = await PythonGuide.RunAsync(host, "direct-too-large", file);

        Assert.True(run.ExitCode == 0, run.Output);
        var result = run.Results.Single();
        Assert.Equal(413, result.GetProperty("status").GetInt32());
        Assert.StartsWith("application/problem+json", result.GetProperty("contentType").GetString(), StringComparison.Ordinal);
        Assert.Contains("/" + HttpRoutes.UploadUrlPath, result.GetProperty("body").GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
