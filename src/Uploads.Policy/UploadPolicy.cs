using System.Collections.Frozen;

namespace Uploads.Policy;

/// <summary>
/// The allowlist and size limits of the public guide ("Supported file types and sizes"), and how a file's declared
/// type and extension resolve against them. Pure data and lookups, no I/O: the server and the client library
/// (pre-flight checks) both use these tables.
/// </summary>
public static class UploadPolicy
{

    /// <summary>Every allowed type. <c>audio/wav</c> and <c>audio/x-wav</c> are one format under two names.</summary>
    public static IReadOnlyList<AllowedContentType> AllowedTypes { get; } =
    [
        new("video/mp4", ContentCategory.Video, [".mp4", ".m4v"]),
        new("video/quicktime", ContentCategory.Video, [".mov", ".qt"]),
        new("video/x-msvideo", ContentCategory.Video, [".avi"]),
        new("video/x-matroska", ContentCategory.Video, [".mkv"]),
        new("audio/mpeg", ContentCategory.Audio, [".mp3", ".mpga"]),
        new("audio/wav", ContentCategory.Audio, [".wav"]),
        new("audio/x-wav", ContentCategory.Audio, [".wav"]),
        new("audio/aac", ContentCategory.Audio, [".aac"]),
        new("audio/ogg", ContentCategory.Audio, [".ogg", ".oga", ".opus"]),
        new("image/jpeg", ContentCategory.Image, [".jpg", ".jpeg", ".jpe", ".jfif"]),
        new("image/png", ContentCategory.Image, [".png"]),
        new("image/gif", ContentCategory.Image, [".gif"]),
        new("image/webp", ContentCategory.Image, [".webp"]),
        new("image/svg+xml", ContentCategory.Image, [".svg"]),
        new("application/pdf", ContentCategory.Document, [".pdf"]),
        new("application/msword", ContentCategory.Document, [".doc"]),
        new("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ContentCategory.Document, [".docx"]),
        new("text/plain", ContentCategory.Document, [".txt", ".text", ".log", ".csv", ".md"]),
    ];

    /// <summary>
    /// Other names common clients send for allowed types (Python's <c>mimetypes</c>, browsers, older tools):
    /// <c>text/csv</c> for a .csv, <c>image/jpg</c>, <c>audio/mp3</c>… They resolve to the allowlist entry.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["text/csv"] = "text/plain",
        ["text/markdown"] = "text/plain",
        ["text/x-markdown"] = "text/plain",
        ["text/x-log"] = "text/plain",
        ["image/jpg"] = "image/jpeg",
        ["image/pjpeg"] = "image/jpeg",
        ["image/x-png"] = "image/png",
        ["audio/mp3"] = "audio/mpeg",
        ["audio/mpeg3"] = "audio/mpeg",
        ["audio/x-mpeg"] = "audio/mpeg",
        ["audio/x-mp3"] = "audio/mpeg",
        ["audio/wave"] = "audio/wav",
        ["audio/vnd.wave"] = "audio/wav",
        ["audio/x-aac"] = "audio/aac",
        ["audio/vorbis"] = "audio/ogg",
        ["video/avi"] = "video/x-msvideo",
        ["video/msvideo"] = "video/x-msvideo",
        ["application/x-pdf"] = "application/pdf",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, AllowedContentType> ByMediaType =
        AllowedTypes.ToFrozenDictionary(t => t.MediaType, StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, AllowedContentType[]> ByExtension =
        AllowedTypes
            .SelectMany(t => t.Extensions.Select(e => (Extension: e, Type: t)))
            .GroupBy(p => p.Extension, StringComparer.OrdinalIgnoreCase)
            .ToFrozenDictionary(g => g.Key, g => g.Select(p => p.Type).ToArray(), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The guide's cap of the direct-upload endpoint (10 MB); larger files take a presigned URL. A deployment may
    /// lower or raise it (<c>Uploads:DirectUploadMaxBytes</c>); this is its default and the client's threshold.
    /// </summary>
    public const long DirectUploadMaxBytes = 10 * ByteSize.MiB;

    /// <summary>The maximum size of a file of <paramref name="category"/>, in bytes (1 GB = 1024³ bytes).</summary>
    public static long MaxBytes(ContentCategory category) => category switch
    {
        ContentCategory.Video => 5 * ByteSize.GiB,
        ContentCategory.Audio => 500 * ByteSize.MiB,
        ContentCategory.Image => 50 * ByteSize.MiB,
        ContentCategory.Document => 100 * ByteSize.MiB,
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, null),
    };

    /// <summary>
    /// Finds the allowlist entry for a declared Content-Type. Parameters (<c>; charset=utf-8</c>) and case are ignored.
    /// </summary>
    public static bool TryGetAllowed(string? contentType, out AllowedContentType allowed)
    {
        allowed = null!;
        var mediaType = NormalizeMediaType(contentType);
        return mediaType is not null
            && (ByMediaType.TryGetValue(mediaType, out allowed!)
                || (Aliases.TryGetValue(mediaType, out var canonical) && ByMediaType.TryGetValue(canonical, out allowed!)));
    }

    /// <summary>The allowed types a file extension names (empty for an unknown or missing extension).</summary>
    public static IReadOnlyList<AllowedContentType> TypesForExtension(string? extension) =>
        extension is not null && ByExtension.TryGetValue(extension, out var types) ? types : [];

    /// <summary>True when two media types name the same format (<c>audio/wav</c> = <c>audio/x-wav</c>; case and parameters ignored).</summary>
    public static bool AreEquivalent(string a, string b) =>
        string.Equals(Canonical(a), Canonical(b), StringComparison.Ordinal);

    /// <summary>
    /// The single name of a format: parameters removed, lower case, an alias replaced by its allowlist name
    /// (<c>audio/x-wav</c> → <c>audio/wav</c>, <c>image/jpg</c> → <c>image/jpeg</c>). The one place media types
    /// are canonicalised: the verifier's comparisons and the type a verified blob is stored with use it.
    /// </summary>
    public static string Canonical(string mediaType)
    {
        ArgumentNullException.ThrowIfNull(mediaType);
        var bare = NormalizeMediaType(mediaType) ?? mediaType.Trim().ToLowerInvariant();
        return bare == "audio/x-wav" ? "audio/wav" : Aliases.GetValueOrDefault(bare, bare);
    }

    /// <summary>The media type without parameters, trimmed and lower case; null when empty or malformed.</summary>
    public static string? NormalizeMediaType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim();
        return mediaType.Length == 0 || mediaType.Contains(' ', StringComparison.Ordinal) ? null : mediaType.ToLowerInvariant();
    }

    /// <summary>The extension of a file name, lower case with its dot (<c>.pdf</c>); empty when there is none.</summary>
    public static string ExtensionOf(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var dot = fileName.LastIndexOf('.');
        return dot <= 0 ? string.Empty : fileName[dot..].ToLowerInvariant();
    }

    /// <summary>
    /// Resolves the type of an upload from its declared Content-Type and its file name.
    /// The declared type must be on the allowlist; a file extension, when present, must name that same type.
    /// Without a declared type (or <c>application/octet-stream</c>) the extension decides.
    /// </summary>
    public static TypeResolution Resolve(string fileName, string? declaredContentType)
    {
        var extension = ExtensionOf(fileName);
        var byExtension = TypesForExtension(extension);
        var mediaType = NormalizeMediaType(declaredContentType);
        if (mediaType is null && !string.IsNullOrWhiteSpace(declaredContentType))
        {
            return new(null, $"\"{declaredContentType}\" is not a valid media type. Send one of the allowed types, such as \"application/pdf\".");
        }

        if (mediaType is null || mediaType == "application/octet-stream")
        {
            return byExtension.Count > 0
                ? new(byExtension[0], null)
                : new(null, extension.Length == 0
                    ? "The file has neither a content type nor an extension. Send contentType, one of the allowed types."
                    : $"The extension \"{extension}\" is not an allowed type and no content type was sent. Send contentType, one of the allowed types.");
        }

        if (!TryGetAllowed(mediaType, out var allowed))
        {
            return new(null, $"The content type \"{mediaType}\" is not allowed. Allowed types: {string.Join(", ", AllowedTypes.Select(t => t.MediaType))}.");
        }

        if (extension.Length > 0 && !allowed.Extensions.Contains(extension))
        {
            var named = byExtension.Count > 0 ? byExtension[0].MediaType : "an unknown type";
            return new(null, $"The file extension \"{extension}\" names {named}, but the content type is {mediaType}. Send the content type that matches the file, or rename it to one of: {string.Join(" ", allowed.Extensions)}.");
        }

        return new(allowed, null);
    }
}

/// <summary>The allowlist entry a file resolved to, or why it is refused (a sentence a user can act on).</summary>
public readonly record struct TypeResolution(AllowedContentType? Type, string? Refusal);
