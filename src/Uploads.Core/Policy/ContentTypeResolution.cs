using Uploads.Policy;

namespace Uploads.Core.Policy;

/// <summary>The allowlist entry a request resolved to, or the problem (415) that stops it.</summary>
internal readonly record struct ContentTypeResolution(AllowedContentType? Type, UploadProblem? Problem)
{
    /// <summary>The server's form of <see cref="UploadPolicy.Resolve"/>: a refusal becomes <c>unsupported_content_type</c>.</summary>
    public static ContentTypeResolution Resolve(string fileName, string? declaredContentType)
    {
        var (type, problem) = PreCheck.OfType(fileName, declaredContentType);
        return new(type, problem);
    }
}
