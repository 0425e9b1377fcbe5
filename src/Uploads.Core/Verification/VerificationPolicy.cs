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
    /// <summary>A refusal decided from the blob's properties alone: no type was detected.</summary>
    public static ContentDecision RefusedUnread(string reason) => new(false, null, reason);
}

/// <summary>
/// The rule shared by both upload paths: the detected type must be on the allowlist, must be what the file claims
/// to be (the extension of its name, and its declared Content-Type when one was sent), and the file must fit its
/// category's size limit.
/// </summary>
public static class VerificationPolicy
{
    public static ContentDecision Decide(string fileName, string? declaredContentType, long sizeBytes, SniffOutcome.Detected detected)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(detected);
        var actual = detected.MediaType;

        if (detected.Refusal is { } refusal)
        {
            return new(false, actual, refusal);
        }

        if (!UploadPolicy.TryGetAllowed(actual, out var allowed))
        {
            var claimed = Claimed(fileName, declaredContentType);
            return new(false, actual, claimed is null
                ? $"The file is {actual}, which is not an allowed type."
                : $"Declared {claimed}, but the file is {actual}, which is not an allowed type.");
        }

        // The declared type (an alias resolves to its allowlist name). A name that is not on the allowlist is
        // ignored where the extension already decides the type: clients label files in many ways.
        var byExtension = UploadPolicy.TypesForExtension(UploadPolicy.ExtensionOf(fileName));
        var declared = UploadPolicy.NormalizeMediaType(declaredContentType);
        if (declared is not null && declared != "application/octet-stream")
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

        var limit = UploadPolicy.MaxBytes(allowed.Category);
        if (sizeBytes > limit)
        {
            return new(false, actual, $"{allowed.Category} files may be at most {ByteSize.Describe(limit)}; this one is {ByteSize.Describe(sizeBytes)}.");
        }

        return new(true, UploadPolicy.Canonical(actual), null);
    }

    private static string? Claimed(string fileName, string? declaredContentType)
    {
        var declared = UploadPolicy.NormalizeMediaType(declaredContentType);
        if (declared is not null && declared != "application/octet-stream")
        {
            return declared;
        }

        var byExtension = UploadPolicy.TypesForExtension(UploadPolicy.ExtensionOf(fileName));
        return byExtension.Count > 0 ? byExtension[0].MediaType : null;
    }
}
