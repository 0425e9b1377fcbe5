namespace Uploads.Core.Storage;

/// <summary>
/// The named connection to the uploads storage account, shared with the Blob trigger's <c>Connection</c>.
/// Either a connection string (<c>UploadStorage=UseDevelopmentStorage=true</c>, which carries an account key)
/// or an identity-based connection (<c>UploadStorage__blobServiceUri</c> or <c>UploadStorage__serviceUri</c>,
/// with <c>UploadStorage__credential=managedidentity</c> and <c>UploadStorage__clientId</c> for a user-assigned identity).
/// </summary>
public static class UploadStorageConnection
{
    public const string Name = "UploadStorage";
}
