using Uploads.Core.Naming;
using Uploads.Core.Uploads;

namespace Uploads.Core.Policy;

/// <summary>The allowlist entry a request resolved to, or the problem that stops it.</summary>
public readonly record struct ContentTypeResolution(AllowedContentType? Type, UploadProblem? Problem)
{
    /// <summary>
    /// Resolves the type of an upload from its declared Content-Type and its file name.
    /// The declared type must be on the allowlist; a file extension, when present, must name that same type.
    /// Without a declared type (the guide's direct-upload example sends none) the extension decides.
    /// </summary>
    public static ContentTypeResolution Resolve(string fileName, string? declaredContentType)
    {
        var extension = FileNameRules.ExtensionOf(fileName);
        var byExtension = UploadPolicy.TypesForExtension(extension);
        var mediaType = UploadPolicy.NormalizeMediaType(declaredContentType);
        if (mediaType is null && !string.IsNullOrWhiteSpace(declaredContentType))
        {
            return new(null, UploadProblem.UnsupportedType($"\"{declaredContentType}\" is not a valid media type. Send one of the allowed types, such as \"application/pdf\"."));
        }

        if (mediaType is null || mediaType == "application/octet-stream")
        {
            return byExtension.Count > 0
                ? new(byExtension[0], null)
                : new(null, UploadProblem.UnsupportedType(
                    extension.Length == 0
                        ? "The file has neither a content type nor an extension. Send contentType, one of the allowed types."
                        : $"The extension \"{extension}\" is not an allowed type and no content type was sent. Send contentType, one of the allowed types."));
        }

        if (!UploadPolicy.TryGetAllowed(mediaType, out var allowed))
        {
            return new(null, UploadProblem.UnsupportedType(
                $"The content type \"{mediaType}\" is not allowed. Allowed types: {string.Join(", ", UploadPolicy.AllowedTypes.Select(t => t.MediaType))}."));
        }

        if (extension.Length > 0 && !allowed.Extensions.Contains(extension))
        {
            var named = byExtension.Count > 0 ? byExtension[0].MediaType : "an unknown type";
            return new(null, UploadProblem.UnsupportedType(
                $"The file extension \"{extension}\" names {named}, but the content type is {mediaType}. Send the content type that matches the file, or rename it to one of: {string.Join(" ", allowed.Extensions)}."));
        }

        return new(allowed, null);
    }
}
