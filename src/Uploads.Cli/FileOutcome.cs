using System.Text.Json.Serialization;
using Uploads.Policy;

namespace Uploads.Cli;

/// <summary>One line of <c>--json</c> output: a file and what became of it.</summary>
/// <param name="Status"><c>verified</c>, <c>rejected</c>, <c>pending</c>, <c>failed</c> or <c>interrupted</c> (see <paramref name="Error"/>).</param>
/// <param name="BlocksSent">Presigned uploads: the blocks this run staged.</param>
/// <param name="BlocksResumed">Presigned uploads: the blocks a resumed run found staged already and did not send.</param>
/// <remarks><c>bytesSent</c> counts only what this run sent; <c>bytesResumed</c> what an earlier run had stored.</remarks>
internal sealed record FileOutcome(string File, string? BlobPath, string Status, string? Reason = null, string? Error = null, [property: JsonIgnore] int ExitCode = ExitCodes.Success)
{
    public int? BlocksSent { get; init; }

    public int? BlocksResumed { get; init; }

    /// <summary>The file's size, when it could be read.</summary>
    public long? SizeBytes { get; init; }

    /// <summary>Bytes this run sent (a resumed upload's stored blocks are not counted).</summary>
    public long? BytesSent { get; init; }

    /// <summary>Bytes an earlier run had stored and this one did not send again (a resumed presigned upload).</summary>
    public long? BytesResumed { get; init; }
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(UtcSecondsJsonConverter)])]
[JsonSerializable(typeof(FileOutcome))]
[JsonSerializable(typeof(SummaryLine))]
[JsonSerializable(typeof(UploadUrlResponse))]
[JsonSerializable(typeof(UploadStatus))]
[JsonSerializable(typeof(Uploads.Client.DownloadResult))]
[JsonSerializable(typeof(UploadListItem))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
