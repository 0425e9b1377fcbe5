using Uploads.Policy;

namespace Uploads.Client;

/// <summary>How an <see cref="UploadsClient"/> reaches the API and how it uploads.</summary>
public sealed class UploadsClientOptions
{
    /// <summary>The API's base address, e.g. <c>https://uploads.example.com</c> (the guide's <c>API_BASE</c>).</summary>
    public required Uri ApiBase { get; init; }

    /// <summary>The client's key, sent as <c>X-API-Key</c>.</summary>
    public required string ApiKey { get; init; }

    /// <summary>Blocks in flight per file.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>Files up to this size go through the direct endpoint in <see cref="UploadMode.Auto"/> (the guide's 10 MB).</summary>
    public long DirectMaxBytes { get; init; } = UploadPolicy.DirectUploadMaxBytes;

    /// <summary>Block size; null chooses it from the file size (<see cref="BlockPlan.For"/>).</summary>
    public int? BlockBytes { get; init; }

    /// <summary>Attempts for one request (API call or block) before its failure is reported, transient failures only.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>First retry delay; doubled on each attempt, with full jitter, capped at <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where resume journals live; null keeps each beside its file (<c>FILE.upload.json</c>).</summary>
    public string? JournalDirectory { get; init; }

    /// <summary>
    /// Declare each file's SHA-256 (<see cref="FileSha256"/>), so that the API verifies the upload only if the bytes it
    /// received are exactly the file: on by default. A presigned upload then reads its file one more time, to hash it.
    /// </summary>
    public bool DeclareSha256 { get; init; } = true;

    /// <summary>First interval between status polls while a verdict is pending (grows to 5 s).</summary>
    public TimeSpan StatusPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>How a file is sent.</summary>
public enum UploadMode
{
    /// <summary>Direct up to <see cref="UploadsClientOptions.DirectMaxBytes"/>, presigned blocks above.</summary>
    Auto,

    /// <summary>Multipart POST through the API (at most 10 MB).</summary>
    Direct,

    /// <summary>Blocks staged in parallel to a presigned URL, resumable.</summary>
    Presigned,
}

internal static class Constants
{

    /// <summary>Azure's limits for a block blob: 50,000 committed blocks of at most 4,000 MiB.</summary>
    public const int MaxBlocks = 50_000;
    public const long MaxBlockBytes = 4000 * ByteSize.MiB;

    public const int DefaultBlockBytes = (int)(8 * ByteSize.MiB);
    public const string ApiKeyHeader = "X-API-Key";
}
