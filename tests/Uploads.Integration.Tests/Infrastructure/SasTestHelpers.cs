using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace Uploads.Integration.Tests.Infrastructure;

/// <summary>Builds SAS URLs the way the upload API does: one blob, <c>sr=b</c>, explicit permissions.</summary>
internal static class SasTestHelpers
{
    public static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    public static async Task<UserDelegationKey> GetUserDelegationKeyAsync(BlobServiceClient oauthClient, TimeSpan? lifetime = null)
    {
        var now = DateTimeOffset.UtcNow;
        var options = new BlobGetUserDelegationKeyOptions(now + (lifetime ?? TimeSpan.FromHours(2))) { StartsOn = now - Backdate };
        Response<UserDelegationKey> key = await oauthClient.GetUserDelegationKeyAsync(options);
        return key.Value;
    }

    public static BlobSasBuilder BlobSas(
        BlobClient blob,
        BlobSasPermissions permissions,
        DateTimeOffset expiresOn,
        DateTimeOffset? startsOn = null,
        SasProtocol protocol = SasProtocol.Https)
    {
        var builder = new BlobSasBuilder
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            StartsOn = startsOn ?? DateTimeOffset.UtcNow - Backdate,
            ExpiresOn = expiresOn,
            Protocol = protocol,
        };
        builder.SetPermissions(permissions);
        return builder;
    }

    public static Uri WithSas(Uri resource, BlobSasQueryParameters sas) => new BlobUriBuilder(resource) { Sas = sas }.ToUri();

    /// <summary>The blob URL with the SAS, as the API hands it to a client.</summary>
    public static Uri UserDelegationSasUri(BlobClient blob, UserDelegationKey key, string accountName, BlobSasPermissions permissions, DateTimeOffset expiresOn, DateTimeOffset? startsOn = null) =>
        WithSas(blob.Uri, BlobSas(blob, permissions, expiresOn, startsOn).ToSasQueryParameters(key, accountName));

    public static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    public static string BlockId(int index) => Convert.ToBase64String(BitConverter.GetBytes(index));
}
