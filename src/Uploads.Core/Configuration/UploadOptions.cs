using System.ComponentModel.DataAnnotations;
using Uploads.Policy;
using Uploads.Sniffing;

namespace Uploads.Core.Configuration;

/// <summary>Behaviour of the upload endpoints. Bound from the <c>Uploads</c> section and validated at start-up.</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>Container that receives uploads (presigned and direct).</summary>
    [Required, ContainerName("Uploads:ContainerName")]
    public string ContainerName { get; set; } = "uploads";

    /// <summary>Container that receives files that failed verification.</summary>
    [Required, ContainerName("Uploads:QuarantineContainerName")]
    public string QuarantineContainerName { get; set; } = "quarantine";

    /// <summary>How long an upload URL stays valid. The guide promises one hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Uploads:UrlLifetime must be between 1 second and 1 day.")]
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a read URL (<c>POST /api/integrations/uploads/read-url</c>) stays valid: 15 minutes by default, long
    /// enough to start a download (a download under way when the URL expires goes on), short enough that a URL passed
    /// on stops working soon. At most the user-delegation key's reach (<see cref="UploadOptionsValidator"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Uploads:ReadUrlLifetime must be between 1 second and 1 day.")]
    public TimeSpan ReadUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long after a path is issued its upload URL may be renewed (<c>{"blobPath": …}</c>); no renewed URL outlives
    /// it. At most 7 days: Azure discards uncommitted blocks a week after the last Put Block, so a resumed upload
    /// inside the window still finds the blocks it staged.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Uploads:RenewalWindow must be between 1 second and 7 days.")]
    public TimeSpan RenewalWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How far the SAS start time is backdated, for clients whose clocks run behind.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:15:00", ErrorMessage = "Uploads:ClockSkew must be between 0 and 15 minutes.")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The cap of the direct-upload endpoint, in bytes (10 MB = 10 × 1024 × 1024).</summary>
    [Range(1, 100 * ByteSize.MiB, ErrorMessage = "Uploads:DirectUploadMaxBytes must be between 1 byte and 100 MiB.")]
    public long DirectUploadMaxBytes { get; set; } = UploadPolicy.DirectUploadMaxBytes;

    /// <summary>Size of the blocks a direct upload is staged in; the most a single upload holds in memory at once.</summary>
    [Range((int)(64 * ByteSize.KiB), (int)(100 * ByteSize.MiB), ErrorMessage = "Uploads:DirectUploadBlockBytes must be between 64 KiB and 100 MiB.")]
    public int DirectUploadBlockBytes { get; set; } = (int)(4 * ByteSize.MiB);

    /// <summary>
    /// Allow upload URLs over plain HTTP. Only for local development against Azurite without TLS;
    /// never set in Azure, where SAS tokens are restricted to HTTPS.
    /// </summary>
    public bool AllowHttpUploadUrls { get; set; }

    /// <summary>
    /// Create the upload and quarantine containers at start-up when they are missing. For local runs against Azurite;
    /// in Azure the template creates them and the app's identity has no right to create containers.
    /// </summary>
    public bool CreateContainers { get; set; }

    /// <summary>
    /// Active-content categories this deployment accepts, comma-separated <see cref="ActiveContentKinds"/> names
    /// (for example <c>PdfFormScripts</c> for fillable PDFs whose fields calculate and validate with JavaScript).
    /// Empty (the default): every category is refused. Files that cannot be checked within the bounds are refused
    /// whatever is allowed. Validated at start-up (<see cref="UploadOptionsValidator"/>); see docs/sniffing.md.
    /// </summary>
    public string AllowedActiveContent { get; set; } = string.Empty;

    /// <summary>
    /// The most pixels an image (PNG, JPEG, GIF, WebP), each frame of an animation, a GIF's logical screen or a WebP
    /// canvas may declare; more is refused as a decompression bomb on both upload paths. The default,
    /// <see cref="ImagePixels.DefaultMax"/>, is Pillow's threshold (docs/sniffing.md, "Files inside files: images and RIFF").
    /// </summary>
    [Range(typeof(long), "1", "1000000000000", ErrorMessage = "Uploads:MaxImagePixels must be between 1 and 1,000,000,000,000.")]
    public long MaxImagePixels { get; set; } = ImagePixels.DefaultMax;

    /// <summary><see cref="AllowedActiveContent"/> parsed (unknown names are refused at start-up, never here).</summary>
    public ActiveContentKinds AllowedActiveContentKinds => TryParseActiveContent(AllowedActiveContent, out var kinds, out _) ? kinds : ActiveContentKinds.None;

    /// <summary>Parses comma-separated category names; <paramref name="unknown"/> names the first that is not one.</summary>
    public static bool TryParseActiveContent(string? value, out ActiveContentKinds kinds, out string? unknown)
    {
        kinds = ActiveContentKinds.None;
        unknown = null;
        foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<ActiveContentKinds>(part, ignoreCase: true, out var kind) || !Enum.IsDefined(kind) || char.IsAsciiDigit(part[0]) || part[0] == '-')
            {
                unknown = part;
                return false;
            }

            kinds |= kind;
        }

        return true;
    }

    /// <summary>
    /// How long one try of a storage request may take to send the request and receive the answer's headers (and then
    /// each read of its body) before the app gives up on that try and retries: the Azure SDK's <c>NetworkTimeout</c>,
    /// whose default of 100 s per try, four tries, held a request for almost 7 minutes against a stalled account. 20 s
    /// covers a 4 MiB block at 200 KB/s, far below what the app gets from storage in its region; a storage endpoint
    /// slower than that (a saturated emulator) gets 503 + Retry-After too (docs/reliability.md).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Uploads:StorageNetworkTimeout must be between 100 milliseconds and 5 minutes.")]
    public TimeSpan StorageNetworkTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Retries of a storage request that failed for a transient reason (timeout, reset, 5xx, 429), after the first try.</summary>
    [Range(0, 10, ErrorMessage = "Uploads:StorageMaxRetries must be between 0 and 10.")]
    public int StorageMaxRetries { get; set; } = 3;

    /// <summary>Back-off before the first retry; it doubles with each retry (the SDK adds ±20 % jitter), at most <see cref="StorageMaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "Uploads:StorageRetryDelay must be between 0 and 1 minute.")]
    public TimeSpan StorageRetryDelay { get; set; } = TimeSpan.FromSeconds(0.8);

    /// <summary>Longest back-off between two tries.</summary>
    public static readonly TimeSpan StorageMaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest a storage request can take to fail with these settings: every try stalled for the whole
    /// <see cref="StorageNetworkTimeout"/>, every back-off at its longest (doubling, +20 % jitter, capped).
    /// </summary>
    public TimeSpan StorageWorstCase
    {
        get
        {
            var total = StorageNetworkTimeout * (StorageMaxRetries + 1);
            for (var retry = 0; retry < StorageMaxRetries; retry++)
            {
                var delay = StorageRetryDelay * Math.Pow(2, retry) * 1.2;
                total += delay < StorageMaxRetryDelay ? delay : StorageMaxRetryDelay;
            }

            return total;
        }
    }

    /// <summary>Validity of a cached user-delegation key (Azure allows at most 7 days).</summary>
    [Range(typeof(TimeSpan), "00:10:00", "7.00:00:00", ErrorMessage = "Uploads:DelegationKeyLifetime must be between 10 minutes and 7 days.")]
    public TimeSpan DelegationKeyLifetime { get; set; } = TimeSpan.FromDays(1);
}
