using System.Text.Json.Serialization;

namespace Uploads.Policy;

/// <summary>Where an upload stands in post-upload verification; on the wire as <see cref="UploadStates"/> names it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UploadState>))]
public enum UploadState
{
    /// <summary>Stored, not (yet) checked for its current content.</summary>
    [JsonStringEnumMemberName(UploadStates.Pending)]
    Pending,

    /// <summary>Its current content was checked and is what it claims.</summary>
    [JsonStringEnumMemberName(UploadStates.Verified)]
    Verified,

    /// <summary>It failed the check and was moved to quarantine.</summary>
    [JsonStringEnumMemberName(UploadStates.Rejected)]
    Rejected,
}

/// <summary>The wire names of <see cref="UploadState"/> (<c>status</c> in answers, <c>state</c> in list queries).</summary>
public static class UploadStates
{
    public const string Pending = "pending";
    public const string Verified = "verified";
    public const string Rejected = "rejected";

    /// <summary>The name <paramref name="state"/> has on the wire.</summary>
    public static string NameOf(UploadState state) => state switch
    {
        UploadState.Pending => Pending,
        UploadState.Verified => Verified,
        UploadState.Rejected => Rejected,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Not an upload state."),
    };
}

/// <summary>The verdict for one blob path, as the status endpoint and verdict events report it.</summary>
/// <param name="BlobPath">The path in the uploads container.</param>
/// <param name="Status">pending, verified or rejected.</param>
/// <param name="DetectedType">The type the bytes show (verified, and rejected once its bytes were read); null for a pending upload and for one refused unread (an append or page blob, a Content-Encoding, an access tier, over every limit).</param>
/// <param name="SizeBytes">The blob's size.</param>
/// <param name="Reason">Why it was rejected, naming the declared and detected types where they differ.</param>
/// <param name="CheckedAt">When the verdict was reached (UTC, whole seconds, like <c>expiresAt</c>).</param>
/// <param name="Sha256">Verified only, when it was computed (always on the direct path; on the presigned path when one was declared or the deployment computes it for every upload): the base64 SHA-256 of exactly the bytes checked.</param>
public sealed record UploadStatus(string BlobPath, UploadState Status, string? DetectedType, long? SizeBytes, string? Reason, DateTimeOffset? CheckedAt, string? Sha256 = null)
{
    [JsonConverter(typeof(UtcSecondsJsonConverter))]
    public DateTimeOffset? CheckedAt { get; init; } = CheckedAt is { } at ? UtcSeconds.Truncate(at) : null;

    /// <summary>The verdict is final (verified or rejected): asking again will not change it.</summary>
    [JsonIgnore]
    public bool IsFinal => Status is UploadState.Verified or UploadState.Rejected;

    /// <summary>The malware scan's part of the verdict when scanning is on (src/Uploads.Core/Scanning); null when it is off or not involved.</summary>
    public MalwareScanStatus? MalwareScan { get; init; }
}

/// <summary>
/// The malware scan's part of a status: <c>waiting</c> (our content check passed; the verdict waits for the scan result of
/// this content until <c>deadline</c>), <c>clean</c> ("No threats found" for this content), or <c>unscanned</c> (no usable
/// result, accepted by configuration). <c>result</c> is Defender's own result text.
/// </summary>
public sealed record MalwareScanStatus(string State, string? Result, DateTimeOffset? Deadline)
{
    public const string Waiting = "waiting";
    public const string Clean = "clean";
    public const string Unscanned = "unscanned";

    [JsonConverter(typeof(UtcSecondsJsonConverter))]
    public DateTimeOffset? Deadline { get; init; } = Deadline is { } at ? UtcSeconds.Truncate(at) : null;
}
