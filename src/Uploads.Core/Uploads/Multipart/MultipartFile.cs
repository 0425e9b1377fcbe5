namespace Uploads.Core.Uploads.Multipart;

/// <summary>
/// What a direct upload's body says up to and in its file part: the SHA-256 declared by the <c>sha256</c> field
/// before the file (null without one), the file name and declared type from the part's headers, and the part's bytes
/// (read them to their end, then <see cref="MultipartFormReader.ReadToEndAsync"/>).
/// </summary>
internal sealed record MultipartFile(byte[]? DeclaredSha256, string FileName, string? ContentType, Stream Content);
