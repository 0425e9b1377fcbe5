using System.Diagnostics;
using Azure.Storage.Blobs;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Infrastructure;

/// <summary>The instances start, answer, and leave nothing behind (no process, no folder).</summary>
public sealed class AzuriteLifecycleTests
{
    [Theory]
    [InlineData(AzuriteMode.SharedKey, "http")]
    [InlineData(AzuriteMode.OAuthHttps, "https")]
    public async Task StartAsync_ThenDispose_AnswersThenLeavesNoProcessOrFolder(AzuriteMode mode, string scheme)
    {
        int processId;
        string? certificatePath;
        await using (var azurite = await AzuriteInstance.StartAsync(mode))
        {
            processId = azurite.ProcessId;
            certificatePath = azurite.CertificatePemPath;
            Assert.Equal(scheme, azurite.BlobServiceUri.Scheme);
            Assert.Equal("127.0.0.1", azurite.BlobServiceUri.Host);
            Assert.Equal("/devstoreaccount1", azurite.BlobServiceUri.AbsolutePath);
            Assert.True(BuildOutput.IsRunning(processId));

            var container = await azurite.CreateContainerAsync();
            await container.GetBlobClient("hello.txt").UploadAsync(BinaryData.FromString("hello"));
            var names = new List<string>();
            await foreach (var item in container.GetBlobsAsync())
            {
                names.Add(item.Name);
            }

            Assert.Equal(["hello.txt"], names);
            Assert.Equal(mode == AzuriteMode.OAuthHttps, certificatePath is not null && File.Exists(certificatePath));
        }

        Assert.False(BuildOutput.IsRunning(processId), $"Azurite (pid {processId}) still runs after DisposeAsync.");
        if (certificatePath is not null)
        {
            Assert.False(Directory.Exists(Path.GetDirectoryName(certificatePath)), "The instance's temporary folder remains.");
        }
    }

    [Fact]
    public async Task StartAsync_TwoInstancesAtOnce_GetDistinctPortsAndSeparateData()
    {
        var starting = new[] { AzuriteInstance.StartAsync(AzuriteMode.SharedKey), AzuriteInstance.StartAsync(AzuriteMode.SharedKey) };
        await using var first = await starting[0];
        await using var second = await starting[1];

        Assert.NotEqual(first.Port, second.Port);
        await first.CreateContainerAsync("only-in-first");
        Assert.True((await first.CreateServiceClient().GetBlobContainerClient("only-in-first").ExistsAsync()).Value);
        Assert.False((await second.CreateServiceClient().GetBlobContainerClient("only-in-first").ExistsAsync()).Value);
    }

    [Theory]
    [InlineData(AzuriteMode.SharedKey)]
    [InlineData(AzuriteMode.OAuthHttps)]
    public async Task ConnectionString_WithInstanceOptions_AuthenticatesWithAccountKey(AzuriteMode mode)
    {
        await using var azurite = await AzuriteInstance.StartAsync(mode);
        var client = new BlobServiceClient(azurite.ConnectionString, azurite.CreateBlobClientOptions());

        Assert.Equal(azurite.BlobServiceUri.AbsoluteUri.TrimEnd('/'), client.Uri.AbsoluteUri.TrimEnd('/'));
        Assert.True(client.CanGenerateAccountSasUri);
        var container = client.GetBlobContainerClient("from-connection-string");
        await container.CreateAsync();
        Assert.True((await container.ExistsAsync()).Value);
    }

    [Fact]
    public async Task CreateOAuthServiceClient_InSharedKeyMode_Throws()
    {
        await using var azurite = await AzuriteInstance.StartAsync(AzuriteMode.SharedKey);

        Assert.Throws<InvalidOperationException>(() => azurite.CreateOAuthServiceClient());
    }

    [Fact]
    public async Task StartAsync_WorkspaceOfDeadTestProcess_IsSwept()
    {
        // A killed test run leaves its workspace (its Azurite exits with it): the next start deletes it.
        using var finished = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await finished.WaitForExitAsync();
        var abandoned = Directory.CreateTempSubdirectory("uploads-azurite-").FullName;
        await File.WriteAllTextAsync(Path.Combine(abandoned, "owner.pid"), finished.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var alive = Directory.CreateTempSubdirectory("uploads-azurite-").FullName;
        await File.WriteAllTextAsync(Path.Combine(alive, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        try
        {
            await using var azurite = await AzuriteInstance.StartAsync(AzuriteMode.SharedKey);

            Assert.False(Directory.Exists(abandoned));
            Assert.True(Directory.Exists(alive));
        }
        finally
        {
            Directory.Delete(alive, recursive: true);
        }
    }

    [Fact]
    public async Task ExitWithParentPreload_StdinClosed_NodeExits()
    {
        // What keeps a killed test run from leaking Azurite: the preload exits node when its stdin pipe closes.
        var preload = Path.Combine(RepositoryRoot.Find(), "tests", "tools", "exit-with-parent.cjs");
        var startInfo = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var argument in new[] { "--require", preload, "-e", "setInterval(() => {}, 1000)" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var node = Process.Start(startInfo)!;
        try
        {
            Assert.False(node.WaitForExit(TimeSpan.FromMilliseconds(500)), "node exited although its stdin is open.");
            node.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await node.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, node.ExitCode);
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void RepositoryRoot_Find_ReturnsFolderWithSolutionAndTools()
    {
        var root = RepositoryRoot.Find();

        Assert.True(File.Exists(Path.Combine(root, "Functions.sln")));
        Assert.True(File.Exists(Path.Combine(root, "tests", "tools", "package-lock.json")));
    }

    [Fact]
    public void RepositoryRoot_Find_FromOutsideRepository_Throws()
    {
        var exception = Assert.Throws<InvalidOperationException>(() => RepositoryRoot.Find(Path.GetTempPath()));

        Assert.Contains("Functions.sln", exception.Message, StringComparison.Ordinal);
    }

}
