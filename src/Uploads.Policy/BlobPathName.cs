namespace Uploads.Policy;

/// <summary>
/// The part of a <c>blobPath</c> a client may rely on: its last segment is the file name the upload was issued for
/// (the segments before it are the server's and opaque). The server names its paths with it, and a client that saves
/// a download under the upload's name takes the name from here.
/// </summary>
public static class BlobPathName
{
    /// <summary>The file name a blob path ends with: its last segment (empty when the path ends with <c>/</c>).</summary>
    public static string Of(string blobPath)
    {
        ArgumentNullException.ThrowIfNull(blobPath);
        return blobPath[(blobPath.LastIndexOf('/') + 1)..];
    }
}
