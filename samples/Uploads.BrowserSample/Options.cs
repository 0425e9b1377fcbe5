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
