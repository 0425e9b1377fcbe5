using Uploads.EndToEnd.Tests.Support;

namespace Uploads.EndToEnd.Tests.Metadata;

/// <summary>
/// What the running worker told the host over the protocol (FunctionsMetadataRequest) is what the build generated:
/// the same functions, and the HTTP routes the emulator serves are exactly those of functions.metadata.
/// </summary>
public sealed class WorkerIndexingTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public void Worker_IndexedFunctions_TheElevenOfTheService()
    {
        Assert.Equal(
            ["CreateReadUrl", "CreateUploadUrl", "DeleteUpload", "DirectUpload", "GetOpenApiDocument", "GetUploadPolicy", "GetUploadStatus", "ListUploads", "ReceiveMalwareScanResult", "ReconcileUploads", "VerifyUpload"],
            host.App.Emulator.FunctionNames.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Emulator_ServesExactlyTheHttpRoutesOfTheMetadata()
    {
        Assert.Equal(FunctionsMetadataTests.HttpRoutes(), host.App.Emulator.HttpRoutes.Order(StringComparer.Ordinal));
    }
}
