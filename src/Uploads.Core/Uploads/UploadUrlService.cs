using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Contracts;
using Uploads.Core.Naming;
using Uploads.Core.Security;
using Uploads.Core.Signing;
using Uploads.Core.Storage;
using Uploads.Core.Verification;
using Uploads.Policy;

namespace Uploads.Core.Uploads;

/// <summary>
/// Issues presigned upload URLs: validates the request, names the blob, signs the URL. Also renews the URL of an
/// unfinished upload (<see cref="RenewAsync"/>), with the same permissions and lifetime, inside
/// <see cref="UploadOptions.RenewalWindow"/> of the path's issue time.
/// </summary>
public sealed partial class UploadUrlService(
    UploadContainers containers,
    IBlobSasSigner signer,
    UploadVerifier verifier,
    Sha256Declarations declarations,
    TimeProvider time,
    IOptions<UploadOptions> options,
    ILogger<UploadUrlService> logger)
{
    private readonly UploadOptions _options = options.Value;

    public async ValueTask<Outcome<UploadUrlResponse>> IssueAsync(ApiClient client, UploadUrlRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);

        if (request.BlobPath is not null)
        {
            return request.Filename is null && request.ContentType is null && request.SizeBytes is null && request.Sha256 is null
                ? await RenewAsync(client, request.BlobPath, cancellationToken).ConfigureAwait(false)
                : Problems.AmbiguousRequest.With("Send either \"blobPath\" alone (to renew the URL of an unfinished upload: a SHA-256 declared with the first URL still holds) or \"filename\" and \"contentType\" (for a new upload), not both.");
        }

        if (request.Filename is null)
        {
            return Problems.MissingField.With("The body must have \"filename\", the file's plain name.");
        }

        if (string.IsNullOrWhiteSpace(request.ContentType))
        {
            return Problems.MissingField.With("The body must have \"contentType\", one of the allowed MIME types.");
        }

        var name = FileNameRules.Check(request.Filename);
        if (!name.IsValid)
        {
            return Problems.InvalidFileName.With(name.Problem!);
        }

        // The bytes arrive later, straight at storage, with no type the service can trust: the name's extension
        // is what binds the upload to the declared type when it is verified (PreCheck refuses a name without one).
        var check = PreCheck.Of(request.Filename, request.ContentType, request.SizeBytes);
        if (check.Problem is not null)
        {
            return check.Problem;
        }

        var type = check.Type!;

        byte[]? sha256 = null;
        if (request.Sha256 is not null && !Sha256Digest.TryParse(request.Sha256, out sha256, out var invalid))
        {
            return invalid!;
        }

        var now = time.GetUtcNow();
        var blobPath = BlobPath.Create(client.Id, request.Filename, now);
        if (sha256 is not null)
        {
            // Recorded before the client has the URL, where no upload URL reaches: the verifier checks the bytes against it.
            await declarations.DeclareAsync(blobPath, sha256, cancellationToken).ConfigureAwait(false);
        }

        var response = await SignAsync(blobPath, now, now + _options.UrlLifetime, cancellationToken).ConfigureAwait(false);
        Log.UrlIssued(logger, client.Id, blobPath, type.MediaType, response.ExpiresAt);
        return response;
    }

    /// <summary>
    /// A fresh URL for a path issued earlier to <paramref name="client"/>, so an interrupted or expired upload can go
    /// on (stage its missing blocks, commit). Refused for another client's path, past the renewal window, for a path
    /// that is verified or rejected (a committed blob is verified first, as the status endpoint does), and for a path
    /// storage holds nothing at: a renewal needs the evidence of an upload begun with a URL from this service, which
    /// is also what makes the path's issue time trustworthy. The URL is the same as a new one
    /// (<see cref="UploadSas.Permissions"/>, the usual lifetime), but never valid past the window.
    /// </summary>
    public async ValueTask<Outcome<UploadUrlResponse>> RenewAsync(ApiClient client, string blobPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!BlobPath.IsWellFormed(blobPath, out var owner, out _))
        {
            return Problems.InvalidBlobPath.With("\"blobPath\" is not a path this service issues. Send the blobPath you received with the upload URL.");
        }

        if (!string.Equals(owner, client.Id, StringComparison.Ordinal))
        {
            return Problems.ForeignBlobPath.With("Only the client a path was issued to can renew its URL. Request a new URL with filename and contentType.");
        }

        var now = time.GetUtcNow();
        var closesAt = BlobPath.IssuedAt(blobPath) + _options.RenewalWindow;
        if (BlobPath.IssuedAt(blobPath) > now + _options.ClockSkew || now >= closesAt)
        {
            return Problems.RenewalWindowClosed.With($"An upload URL can be renewed for {_options.RenewalWindow.TotalHours:0.##} hours after its path was issued. Start again: request a new URL with filename and contentType.");
        }

        // A committed blob gets the answer the status endpoint would give: checked on the spot if still pending, and
        // pending (so renewed, as for any pending blob) while a check longer than the request's wait goes on.
        var status = (await verifier.VerifyWithinRequestAsync(blobPath, cancellationToken).ConfigureAwait(false)).Status;
        switch (status?.Status)
        {
            case UploadState.Verified:
                return Problems.UploadVerified.With("The file at this path was committed and verified; it cannot be written again. Submit the blobPath, or request a new URL for another file.");
            case UploadState.Rejected:
                return Problems.UploadRejected.With($"The file at this path failed verification ({status.Reason}) and was quarantined. Request a new URL and upload a file that matches its type.");
        }

        var staged = await StagedBlocksAsync(blobPath, cancellationToken).ConfigureAwait(false);
        if (status is null && staged.Count == 0)
        {
            return Problems.NotFound.With($"Nothing was uploaded to \"{blobPath}\" yet, so there is nothing to resume. Request a new URL with filename and contentType.");
        }

        var response = await SignAsync(blobPath, now, Min(now + _options.UrlLifetime, closesAt), cancellationToken).ConfigureAwait(false);
        Log.UrlRenewed(logger, client.Id, blobPath, response.ExpiresAt);
        return response with { StagedBlocks = staged };
    }

    private async Task<IReadOnlyList<StagedBlock>> StagedBlocksAsync(string blobPath, CancellationToken cancellationToken)
    {
        try
        {
            var blocks = await containers.Uploads.GetBlockBlobClient(blobPath).GetBlockListAsync(BlockListTypes.Uncommitted, cancellationToken: cancellationToken).ConfigureAwait(false);
            return [.. blocks.Value.UncommittedBlocks.Select(b => new StagedBlock(b.Name, b.SizeLong))];
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }
    }

    private async Task<UploadUrlResponse> SignAsync(string blobPath, DateTimeOffset now, DateTimeOffset expiry, CancellationToken cancellationToken)
    {
        // Whole seconds: the SAS carries its expiry to the second, and expiresAt must be that same instant.
        var expiresOn = UtcSeconds.Truncate(expiry);
        var uploadUrl = await signer.SignAsync(containers.Uploads.GetBlobClient(blobPath), UploadSas.Permissions, now - _options.ClockSkew, expiresOn, cancellationToken).ConfigureAwait(false);
        return new UploadUrlResponse(uploadUrl, blobPath, expiresOn.UtcDateTime);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static partial class Log
    {
        // The URL itself is a bearer credential: it is never logged.
        [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Issued an upload URL for client {ClientId}: {BlobPath} ({ContentType}), valid until {ExpiresOn:o}")]
        public static partial void UrlIssued(ILogger logger, string clientId, string blobPath, string contentType, DateTime expiresOn);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Renewed the upload URL of client {ClientId} for {BlobPath}, valid until {ExpiresOn:o}")]
        public static partial void UrlRenewed(ILogger logger, string clientId, string blobPath, DateTime expiresOn);
    }
}
