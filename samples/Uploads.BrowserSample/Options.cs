using System.ComponentModel.DataAnnotations;

namespace Uploads.BrowserSample;

/// <summary>Where the upload API is and the key the backend (never the browser) sends it.</summary>
public sealed class UploadsApiOptions
{
    public const string Section = "UploadsApi";

    /// <summary>The API's base address (the guide's <c>API_BASE</c>), e.g. http://127.0.0.1:7071.</summary>
    [Required(ErrorMessage = "Set UploadsApi:BaseAddress (or UPLOADS_API_BASE) to the upload API's base address.")]
    public Uri? BaseAddress { get; set; }

    /// <summary>The API key, held server-side only.</summary>
    [Required(ErrorMessage = "Set UploadsApi:Key (or UPLOADS_API_KEY) to the backend's API key.")]
    public string? Key { get; set; }
}

/// <summary>
/// Local development only: the storage account (Azurite) on which the sample sets the template's CORS rule for its
/// own origins at start. In Azure, infra/ sets the same rule (CORS_ALLOWED_ORIGINS); leave this unset there.
/// </summary>
public sealed class LocalStorageCorsOptions
{
    public const string Section = "LocalStorageCors";

    /// <summary>A connection string with the account key (Set Blob Service Properties needs it); null: CORS is not touched.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Comma-separated origins the rule allows, e.g. http://127.0.0.1:7072 (the page's origin).</summary>
    public string? Origins { get; set; }

    /// <summary>The rule file (infra/app/storage-cors.json, copied beside the sample).</summary>
    public string RuleFile { get; set; } = Path.Combine(AppContext.BaseDirectory, "storage-cors.json");
}

/// <summary>
/// The sample's anonymous sessions and the owner table (<see cref="SampleUsers"/>): the key that signs session ids and
/// how long, and how many, upload owners are remembered.
/// </summary>
public sealed class SampleSessionOptions
{
    public const string Section = "Sessions";

    public const string KeyError = "Sessions:Key must be base64 of at least 32 bytes (e.g. openssl rand -base64 32), or unset for a random key per start.";

    /// <summary>
    /// Base64 of at least 32 random bytes: the HMAC-SHA256 key that signs session ids. Unset: a random key made at
    /// start, so a restart ends every session (it forgets the owners too). Set it when several instances serve the page.
    /// </summary>
    public string? Key { get; set; }

    /// <summary>How long after an upload URL was issued its owner is remembered (and a session cookie lasts): the API's renewal window.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "Sessions:OwnerLifetime must be between 1 second and 30 days.")]
    public TimeSpan OwnerLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The most owner records kept; past it the oldest record is forgotten first (its upload can no longer be resumed or polled here).</summary>
    [Range(1, 10_000_000, ErrorMessage = "Sessions:MaxOwners must be between 1 and 10,000,000.")]
    public int MaxOwners { get; set; } = 100_000;

    /// <summary>The signing key: <see cref="Key"/> decoded, or null when <see cref="Key"/> is not base64 of at least 32 bytes.</summary>
    public byte[]? DecodedKey()
    {
        if (Key is null)
        {
            return null;
        }

        var buffer = new byte[Key.Length];
        return Convert.TryFromBase64String(Key, buffer, out var written) && written >= 32 ? buffer[..written] : null;
    }
}
