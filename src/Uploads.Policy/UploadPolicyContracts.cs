namespace Uploads.Policy;

/// <summary>
/// Answer of <c>GET /api/integrations/uploads/policy</c>: what this deployment accepts, for clients that check a file
/// before they upload it. The same table as README's "Allowed types and sizes" and docs/openapi.json's
/// <c>contentType</c> enum, all from <c>Uploads.Policy</c>.
/// </summary>
/// <param name="Types">Every allowed type, in the allowlist's order.</param>
/// <param name="Aliases">Other names of allowed types that requests may use, each with the allowed type it means.</param>
/// <param name="DirectUploadMaxBytes">The largest file <c>POST /direct</c> takes here; larger files take an upload URL.</param>
public sealed record UploadPolicyResponse(IReadOnlyList<AllowedTypeEntry> Types, IReadOnlyDictionary<string, string> Aliases, long DirectUploadMaxBytes);

/// <summary>One allowed type.</summary>
/// <param name="ContentType">The MIME type, as <c>contentType</c> takes it.</param>
/// <param name="Category">Its category (<c>video</c>, <c>audio</c>, <c>image</c>, <c>document</c>), whose size limit applies.</param>
/// <param name="Extensions">The file extensions that name it (lower case, with the dot); a file name must end with one.</param>
/// <param name="MaxBytes">The largest file of the type, in bytes.</param>
public sealed record AllowedTypeEntry(string ContentType, string Category, IReadOnlyList<string> Extensions, long MaxBytes);
