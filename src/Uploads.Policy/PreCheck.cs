namespace Uploads.Policy;

/// <summary>
/// The checks a file passes on its name, declared type and size before any byte is sent, with the problem that
/// stops it: the one owner the server (<c>POST /api/integrations/uploads/url</c>) and the client's pre-flight check
/// both run, so a client refuses exactly what the server would, with the server's words.
/// </summary>
/// <param name="Type">The allowlist entry the file resolved to (set whenever the type resolved, even if a later check refused it).</param>
/// <param name="Problem">The first check that failed; null when the file passes.</param>
public readonly record struct PreCheck(AllowedContentType? Type, UploadProblem? Problem)
{
    /// <summary>
    /// The file's type resolves to one allowed type (<see cref="UploadPolicy.Resolve"/>, else 415
    /// <c>unsupported_content_type</c>), its name has an extension (else 415 <c>missing_extension</c>: the extension
    /// binds a presigned upload to its type), and <paramref name="sizeBytes"/>, when known, is within the category's
    /// limit (else 413 <c>payload_too_large</c>; a negative size is 400 <c>invalid_field</c>).
    /// </summary>
    public static PreCheck Of(string fileName, string? declaredContentType, long? sizeBytes)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var resolved = OfType(fileName, declaredContentType);
        if (resolved.Type is not { } type)
        {
            return resolved;
        }

        if (UploadPolicy.ExtensionOf(fileName).Length == 0)
        {
            return new(type, Problems.MissingExtension.With(
                $"Name the file with the extension of its type, for example \"{fileName}{type.Extensions[0]}\" for {type.MediaType}: the upload is verified against it."));
        }

        if (sizeBytes is { } size)
        {
            if (size < 0)
            {
                return new(type, Problems.InvalidField.With("\"sizeBytes\" must be zero or more."));
            }

            if (SizeRefusal(type, size) is { } tooLarge)
            {
                return new(type, Problems.PayloadTooLarge.With(tooLarge));
            }
        }

        return new(type, null);
    }

    /// <summary>The type step alone (<see cref="UploadPolicy.Resolve"/>): a refusal is 415 <c>unsupported_content_type</c>.</summary>
    public static PreCheck OfType(string fileName, string? declaredContentType)
    {
        var resolution = UploadPolicy.Resolve(fileName, declaredContentType);
        return resolution.Type is { } type ? new(type, null) : new(null, Problems.UnsupportedContentType.With(resolution.Refusal!));
    }

    /// <summary>
    /// The size rule's refusal (<c>Image files may be at most 50 MiB; this one is 60 MiB.</c>), or null within
    /// <see cref="UploadPolicy.MaxBytes"/> of the type's category. The same sentence whether the size was declared
    /// or measured.
    /// </summary>
    public static string? SizeRefusal(AllowedContentType type, long sizeBytes)
    {
        ArgumentNullException.ThrowIfNull(type);
        var limit = UploadPolicy.MaxBytes(type.Category);
        return sizeBytes > limit ? $"{type.Category} files may be at most {ByteSize.Describe(limit)}; this one is {ByteSize.Describe(sizeBytes)}." : null;
    }
}
