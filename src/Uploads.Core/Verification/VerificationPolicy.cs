using System.Diagnostics.CodeAnalysis;
using Uploads.Policy;
using Uploads.Sniffing;

namespace Uploads.Core.Verification;

/// <summary>What the bytes say about an upload, and whether it may stay.</summary>
/// <param name="Accepted">True when the file is what it claims, allowed, and within its category's limit.</param>
/// <param name="DetectedType">The type the content sniffer found (canonical name); null when the upload was refused
/// before its bytes were read (<see cref="RefusedUnread"/>): what the client declared is no detected type.</param>
/// <param name="Reason">Why it was refused, naming both types where they differ; null when accepted.</param>
public sealed record ContentDecision([property: MemberNotNullWhen(true, nameof(ContentDecision.DetectedType))] bool Accepted, string? DetectedType, string? Reason)
{
    /// <summary>The base64 SHA-256 of the content, when the check computed it (<see cref="Sha256Digest"/>): recorded with an accepted verdict.</summary>
    public string? Sha256 { get; init; }

    /// <summary>A refusal decided from the blob's properties alone: no type was detected.</summary>
    public static ContentDecision RefusedUnread(string reason) => new(false, null, reason);
}

/// <summary>
/// The rule shared by both upload paths: the detected type must be on the allowlist, must be what the file claims
/// to be (the extension of its name, and its declared Content-Type when one was sent), and the file must fit its
/// category's size limit.
/// </summary>
internal static class VerificationPolicy
{
    /// <summary>
    /// The media types HTTP clients send when nobody chose one: <c>application/octet-stream</c> (the SDKs, browsers for an
    /// unknown file, the guide's bare PUT) and <c>application/x-www-form-urlencoded</c> (curl's <c>--data-binary</c>,
    /// <c>-d</c>). They say nothing about the file: its name decides, as without a Content-Type.
    /// </summary>
    private static readonly string[] ClientDefaults = ["application/octet-stream", "application/x-www-form-urlencoded"];

    public static ContentDecision Decide(string fileName, string? declaredContentType, long sizeBytes, SniffOutcome.Detected detected)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(detected);
        var actual = detected.MediaType;

        if (detected.Refusal is { } refusal)
        {
            return new(false, actual, refusal);
        }

        var byExtension = UploadPolicy.TypesForExtension(UploadPolicy.ExtensionOf(fileName));
        var declared = ChosenType(declaredContentType);
        if (!UploadPolicy.TryGetAllowed(actual, out var allowed))
        {
            // The type the client chose, else the one its file name declares (for a presigned upload, the type the
            // URL was issued for): never a client's default such as curl's form type for --data-binary.
            return new(false, actual, (declared, byExtension) switch
            {
                ({ } chosen, _) => $"Declared {chosen}, but the file is {actual}, which is not an allowed type.",
                (null, [var named, ..]) => $"The name {fileName} says {named.MediaType}, but the file is {actual}, which is not an allowed type.",
                _ => $"The file is {actual}, which is not an allowed type.",
            });
        }

        // The declared type (an alias resolves to its allowlist name). A name that is not on the allowlist is
        // ignored where the extension already decides the type: clients label files in many ways.
        if (declared is not null)
        {
            var known = UploadPolicy.TryGetAllowed(declared, out var declaredType);
            if ((known || byExtension.Count == 0) && !UploadPolicy.AreEquivalent(known ? declaredType.MediaType : declared, actual))
            {
                return new(false, actual, $"Declared {declared}, but the file is {actual}.");
            }
        }

        if (byExtension.Count > 0 && !byExtension.Any(t => UploadPolicy.AreEquivalent(t.MediaType, actual)))
        {
            return new(false, actual, $"The name {fileName} says {byExtension[0].MediaType}, but the file is {actual}.");
        }

        if (PreCheck.SizeRefusal(allowed, sizeBytes) is { } tooLarge)
        {
            return new(false, actual, tooLarge);
        }

        return new(true, UploadPolicy.Canonical(actual), null);
    }

    /// <summary>The declared media type (without parameters, lower case) when the client chose one; null for none or a client default.</summary>
    private static string? ChosenType(string? declaredContentType) =>
        UploadPolicy.NormalizeMediaType(declaredContentType) is { } declared && !ClientDefaults.Contains(declared, StringComparer.Ordinal) ? declared : null;
}
