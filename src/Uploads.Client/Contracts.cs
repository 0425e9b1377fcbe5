using System.Text.Json.Serialization;
using Uploads.Policy;

namespace Uploads.Client;

/// <summary>Progress of one file: bytes acknowledged by storage so far (resumed blocks included) and the rate of this run.</summary>
/// <param name="BytesResumed">Of <paramref name="BytesSent"/>, the bytes an earlier run had stored (a resumed presigned upload): not sent by this run.</param>
public sealed record UploadProgress(string File, long BytesSent, long TotalBytes, double BytesPerSecond, long BytesResumed = 0);

/// <summary>What an upload did.</summary>
/// <param name="BlocksSent">Blocks this run staged (0 for a direct upload).</param>
/// <param name="BlocksResumed">Blocks found already staged from an earlier run and not sent again.</param>
/// <param name="Sha256">The SHA-256 (base64) declared for the file, which the API verifies it against; null when none was (<see cref="UploadsClientOptions.DeclareSha256"/>).</param>
public sealed record UploadResult(string File, string BlobPath, UploadMode Mode, long SizeBytes, int BlocksSent, int BlocksResumed, string? Sha256 = null);

/// <summary>An RFC 9457 problem from the API (<c>status</c>, <c>code</c>, <c>detail</c>).</summary>
public sealed class UploadApiException(int status, string? code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string? Code { get; } = code;

    /// <summary>Refused by the upload policy (type, size, name): sending again will not help (as <see cref="Problems"/> declares it).</summary>
    public bool IsPolicyRefusal => Problems.IsPolicyRefusal(Status, Code);

    public bool IsAuthenticationFailure => Status == Problems.InvalidApiKey.Status;
}

/// <summary>A file refused before anything was sent: missing, unreadable, empty, of a type or size the API refuses.</summary>
public sealed class UploadRefusedException(string file, string message) : Exception(message)
{
    public string File { get; } = file;
}

/// <summary>The wire records are the API's own (Uploads.Policy), so the client reads exactly what the server writes.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UploadUrlRequest))]
[JsonSerializable(typeof(UploadUrlResponse))]
[JsonSerializable(typeof(DirectUploadResponse))]
[JsonSerializable(typeof(UploadStatus))]
[JsonSerializable(typeof(UploadJournal))]
[JsonSerializable(typeof(ProblemResponse))]
[JsonSerializable(typeof(ReadUrlRequest))]
[JsonSerializable(typeof(ReadUrlResponse))]
[JsonSerializable(typeof(UploadListResponse))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
