namespace Uploads.Client;

/// <summary>What a download wrote: where, how many bytes, their SHA-256 (base64), and whether the API's SHA-256 was there to compare.</summary>
public sealed record DownloadResult(string BlobPath, string Destination, long SizeBytes, string ContentType, string Sha256, bool Sha256Checked);

/// <summary>The downloaded bytes are not what the API said they are (size or SHA-256): nothing was kept.</summary>
public sealed class DownloadIntegrityException(string message) : Exception(message);
