using System.ComponentModel.DataAnnotations;
using Uploads.Policy;
using Uploads.Sniffing;

namespace Uploads.Core.Configuration;

/// <summary>Behaviour of the upload endpoints. Bound from the <c>Uploads</c> section and validated at start-up.</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>Container that receives uploads (presigned and direct).</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "Uploads:ContainerName must be a valid blob container name.")]
    public string ContainerName { get; set; } = "uploads";

    /// <summary>Container that receives files that failed verification.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "Uploads:QuarantineContainerName must be a valid blob container name.")]
    public string QuarantineContainerName { get; set; } = "quarantine";

    /// <summary>How long an upload URL stays valid. The guide promises one hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Uploads:UrlLifetime must be between 1 second and 1 day.")]
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromHours(1);

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
    public int DirectUploadBlockBytes { get; set; } = 4 * 1024 * 1024;

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

    /// <summary>Validity of a cached user-delegation key (Azure allows at most 7 days).</summary>
    [Range(typeof(TimeSpan), "00:10:00", "7.00:00:00", ErrorMessage = "Uploads:DelegationKeyLifetime must be between 10 minutes and 7 days.")]
    public TimeSpan DelegationKeyLifetime { get; set; } = TimeSpan.FromDays(1);
}
