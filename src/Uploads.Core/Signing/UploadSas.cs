using Azure.Storage.Sas;

namespace Uploads.Core.Signing;

/// <summary>
/// The shape of every upload URL: one blob (<c>sr=b</c>), Create + Write only, HTTPS only.
/// <list type="bullet">
/// <item><b>Create (c)</b>: Put Blob of a new blob — the guide's single PUT.</item>
/// <item><b>Write (w)</b>: Put Block and Put Block List — the SDK's block upload, required above the 5,000 MiB
/// single-PUT limit and used by <c>upload_blob</c> above 64 MiB; it also lets <c>upload_blob(overwrite=True)</c>
/// and retries replace the client's own blob. Write cannot be narrowed to "new blobs only": Azure (and Azurite)
/// refuse Put Block under a create-only SAS.</item>
/// </list>
/// No Read, Add, Delete, List, Tag, Move, Execute or immutability permissions: the holder can neither see nor
/// remove anything, and the scope is the single blob name the server chose.
/// </summary>
internal static class UploadSas
{
    public const BlobSasPermissions Permissions = BlobSasPermissions.Create | BlobSasPermissions.Write;

    public static BlobSasBuilder CreateBuilder(string containerName, string blobName, BlobSasPermissions permissions, DateTimeOffset startsOn, DateTimeOffset expiresOn, bool allowHttp)
    {
        var builder = new BlobSasBuilder(permissions, expiresOn)
        {
            BlobContainerName = containerName,
            BlobName = blobName,
            Resource = "b",
            StartsOn = startsOn,
            Protocol = allowHttp ? SasProtocol.HttpsAndHttp : SasProtocol.Https,
        };
        return builder;
    }
}
