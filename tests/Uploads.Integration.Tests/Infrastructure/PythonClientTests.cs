using System.Diagnostics;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using Uploads.Testing;
using static Uploads.Integration.Tests.Infrastructure.SasTestHelpers;

namespace Uploads.Integration.Tests.Infrastructure;

/// <summary>
/// Debian's Python clients (the guide's examples) against HTTPS Azurite with a user-delegation 'cw' SAS, trusting
/// the instance's certificate through environment variables only. Needs /usr/bin/python3 with python3-requests,
/// python3-aiohttp and python3-azure.
/// </summary>
public sealed class PythonClientTests(AzuriteOAuthFixture fixture) : IClassFixture<AzuriteOAuthFixture>, IDisposable
{
    private const string Python = "/usr/bin/python3";

    /// <summary>Above the Python SDK's default max_single_put_size (64 MiB), so upload_blob stages blocks.</summary>
    private const int LargeFileSize = (64 * 1024 * 1024) + (3 * 1024 * 1024) + 17;

    private readonly AzuriteInstance _azurite = fixture.Azurite;
    private readonly string _directory = Directory.CreateTempSubdirectory("uploads-python-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task RequestsPut_WithRequestsCaBundle_SinglePutStoresBlob()
    {
        var (blob, sasUri) = await NewBlobWithSasAsync();
        var file = WriteFile("small.mp4", 256 * 1024);

        var result = await RunPythonAsync(["requests", sasUri.AbsoluteUri, file], ("REQUESTS_CA_BUNDLE", _azurite.CertificatePemPath!));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("201", result.StandardOutput.Trim());
        Assert.Equal(256 * 1024, (await blob.GetPropertiesAsync()).Value.ContentLength);
    }

    [Fact]
    public async Task RequestsPut_WithoutCaBundle_FailsCertificateVerification()
    {
        var (_, sasUri) = await NewBlobWithSasAsync();
        var file = WriteFile("small.mp4", 1024);

        var result = await RunPythonAsync(["requests", sasUri.AbsoluteUri, file]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("CERTIFICATE_VERIFY_FAILED", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AiohttpPut_WithSslCertFile_SinglePutStoresBlob()
    {
        var (blob, sasUri) = await NewBlobWithSasAsync();
        var file = WriteFile("clip.mp4", 300 * 1024);

        var result = await RunPythonAsync(["aiohttp", sasUri.AbsoluteUri, file], ("SSL_CERT_FILE", _azurite.CertificatePemPath!));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("201", result.StandardOutput.Trim());
        Assert.Equal(300 * 1024, (await blob.GetPropertiesAsync()).Value.ContentLength);
    }

    [Fact]
    public async Task SdkUploadBlob_FileOverMaxSinglePutSize_UploadsInBlocks()
    {
        var (blob, sasUri) = await NewBlobWithSasAsync();
        var file = WriteFile("big.mp4", LargeFileSize);

        var result = await RunPythonAsync(["sdk", sasUri.AbsoluteUri, file], ("REQUESTS_CA_BUNDLE", _azurite.CertificatePemPath!));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(LargeFileSize, (await blob.GetPropertiesAsync()).Value.ContentLength);
        var blocks = (await blob.GetParentBlobContainerClient().GetBlockBlobClient(blob.Name).GetBlockListAsync(BlockListTypes.Committed)).Value.CommittedBlocks.ToList();
        Assert.True(blocks.Count > 1, $"Expected a block upload, got {blocks.Count} committed blocks.");
    }

    [Fact]
    public async Task RequestsGet_CreateWriteSas_Returns403()
    {
        var (blob, sasUri) = await NewBlobWithSasAsync();
        await blob.UploadAsync(BinaryData.FromString("secret"));

        var result = await RunPythonAsync(["get", sasUri.AbsoluteUri], ("REQUESTS_CA_BUNDLE", _azurite.CertificatePemPath!));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("403", result.StandardOutput.Trim());
    }

    private async Task<(Azure.Storage.Blobs.BlobClient Blob, Uri SasUri)> NewBlobWithSasAsync()
    {
        var container = await _azurite.CreateContainerAsync();
        var blob = container.GetBlobClient($"client-a/{Guid.NewGuid():N}/file.mp4");
        var key = await GetUserDelegationKeyAsync(_azurite.CreateOAuthServiceClient());
        return (blob, UserDelegationSasUri(blob, key, _azurite.AccountName, BlobSasPermissions.Create | BlobSasPermissions.Write, DateTimeOffset.UtcNow.AddHours(1)));
    }

    private string WriteFile(string name, int size)
    {
        var path = Path.Combine(_directory, name);
        using var stream = File.Create(path);
        var buffer = new byte[1024 * 1024];
        for (var written = 0; written < size; written += buffer.Length)
        {
            Random.Shared.NextBytes(buffer);
            stream.Write(buffer, 0, Math.Min(buffer.Length, size - written));
        }

        return path;
    }

    private static async Task<PythonResult> RunPythonAsync(string[] arguments, params (string Name, string Value)[] environment)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: apt-get install python3 python3-requests python3-aiohttp python3-azure");
        var script = Path.Combine(RepositoryRoot.Find(), "tests", "Uploads.Integration.Tests", "Infrastructure", "python_client_check.py");
        var startInfo = new ProcessStartInfo(Python)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Only what each case sets: no inherited CA settings, no proxy.
        foreach (var name in new[] { "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy" })
        {
            startInfo.Environment.Remove(name);
        }

        startInfo.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new PythonResult(process.ExitCode, await stdout, await stderr);
    }

    private sealed record PythonResult(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit {ExitCode}{Environment.NewLine}stdout: {StandardOutput}{Environment.NewLine}stderr: {StandardError}";
    }
}
