namespace Uploads.Policy;

/// <summary>One entry of the allowlist: a MIME type, its category and the file extensions that name it.</summary>
/// <param name="MediaType">The canonical MIME type, lower case (for example <c>audio/wav</c>).</param>
/// <param name="Category">The category whose size limit applies.</param>
/// <param name="Extensions">Extensions (lower case, with the dot) that name this type.</param>
public sealed record AllowedContentType(string MediaType, ContentCategory Category, IReadOnlyList<string> Extensions);
