using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Contracts;
using Uploads.Core.Naming;
using Uploads.Core.Policy;
using Uploads.Core.Security;
using Uploads.Core.Storage;
using Uploads.Core.Uploads.Multipart;
using Uploads.Core.Verification;
using Uploads.Policy;
using Uploads.Sniffing;

namespace Uploads.Core.Uploads;

/// <summary>
/// <c>POST /api/integrations/uploads/direct</c>: streams the part named <c>file</c> of a <c>multipart/form-data</c>
/// body into a new blob as it arrives, one block at a time; the multipart protocol (its parts, fields, headers and
/// limits) is <see cref="MultipartFormReader"/>'s, this class runs the upload pipeline over what it yields. The size cap is enforced on the bytes actually
/// received, whether or not the client sent a Content-Length. The blob is committed only after the whole body has
/// been read and checked; any refusal, error or disconnect before that leaves no blob.
/// The content is sniffed as it streams (<see cref="StreamingSniffer"/>): a file that is not what it claims is
/// refused with 415 naming both types, usually from its first bytes, and nothing is stored. A stored file is
/// marked verified at once, so the later Blob trigger finds nothing to do. Its SHA-256 is computed as it streams and
/// recorded with the verdict; a <c>sha256</c> form field sent before the file is checked against it.
/// </summary>
public sealed partial class DirectUploadService(
    UploadContainers containers,
    VerdictStore verdicts,
    TimeProvider time,
    IOptions<UploadOptions> options,
    ILogger<DirectUploadService> logger)
{
    /// <summary>
    /// A body over the cap is read to its end (discarded) up to this many bytes, so that ordinary clients, which
    /// send the whole body before they read the answer, receive the 413 instead of a reset connection.
    /// </summary>
    private const long MaxDrainBytes = 64 * ByteSize.MiB;

    private readonly UploadOptions _options = options.Value;

    public async Task<Outcome<DirectUploadResponse>> UploadAsync(ApiClient client, string? contentType, long? contentLength, Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(body);

        var opened = MultipartFormReader.Open(contentType, body);
        if (opened.Problem is not null)
        {
            return opened.Problem;
        }

        using var form = opened.Value!;
        if (contentLength > _options.DirectUploadMaxBytes + MultipartFormReader.FramingAllowance)
        {
            // Known to be too large before a byte is read: nothing is staged. The body is still read (bounded) so
            // that clients that send everything before reading the answer see the 413.
            Log.Refused(logger, client.Id, 413, "Content-Length over the cap");
            if (contentLength <= MaxDrainBytes)
            {
                await form.DiscardAsync(MaxDrainBytes, cancellationToken).ConfigureAwait(false);
            }

            return TooLarge();
        }

        Outcome<DirectUploadResponse> outcome;
        try
        {
            outcome = await ReadAsync(client, form, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (MultipartFormReader.IsServerSizeLimit(ex))
        {
            // The server's own request size limit: the answer is the same as for the service's cap.
            return TooLarge();
        }
        catch (Exception ex) when (form.IsMalformedBody(ex))
        {
            Log.MalformedBody(logger, client.Id, ex.Message);
            outcome = MultipartFormReader.MalformedBody();
        }

        if (outcome.Problem is not null)
        {
            // Read what is left of the body so that the client, still sending, gets this answer rather than a reset.
            await form.DiscardAsync(MaxDrainBytes, cancellationToken).ConfigureAwait(false);
        }

        return outcome;
    }

    /// <summary>
    /// Runs the pipeline over what the reader yields: the file part is received (checked, sniffed, hashed and staged
    /// as it streams), the rest of the body is read, and the blob is committed once the body has ended and nothing
    /// was wrong with it.
    /// </summary>
    private async Task<Outcome<DirectUploadResponse>> ReadAsync(ApiClient client, MultipartFormReader form, CancellationToken cancellationToken)
    {
        var part = await form.ReadFileAsync(cancellationToken).ConfigureAwait(false);
        if (part.Problem is not null)
        {
            return part.Problem;
        }

        var received = await ReceiveAsync(client, part.Value!, cancellationToken).ConfigureAwait(false);
        if (received.Problem is not null)
        {
            return received.Problem;
        }

        using var file = received.Value!;
        return await form.ReadToEndAsync(cancellationToken).ConfigureAwait(false) is { } problem
            ? problem
            : await CommitAsync(client, file, part.Value!.DeclaredSha256, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks the file's name and declared type, then stages its bytes under a new blob path while the sniffer
    /// watches them. A refusal (413 first, then 403 or 415) leaves nothing staged that will be committed.
    /// </summary>
    private async Task<Outcome<FilePart>> ReceiveAsync(ApiClient client, MultipartFile part, CancellationToken cancellationToken)
    {
        var fileName = part.FileName;
        var nameCheck = FileNameRules.Check(fileName);
        if (!nameCheck.IsValid)
        {
            return await SizeFirstAsync(part.Content, 0, Problems.InvalidFileName.With(nameCheck.Problem!), cancellationToken).ConfigureAwait(false);
        }

        var resolution = ContentTypeResolution.Resolve(fileName, part.ContentType);
        if (resolution.Problem is not null)
        {
            return await SizeFirstAsync(part.Content, 0, resolution.Problem, cancellationToken).ConfigureAwait(false);
        }

        var blobPath = BlobPath.Create(client.Id, fileName, time.GetUtcNow());
        var file = new FilePart(
            fileName,
            part.ContentType,
            blobPath,
            new StagedBlockWriter(containers.Uploads.GetBlockBlobClient(blobPath), _options.DirectUploadBlockBytes),
            new StreamingSniffer(_options.AllowedActiveContentKinds, WorkBudget.ForFile(_options.DirectUploadMaxBytes, cancellationToken: cancellationToken)) { MaxImagePixels = _options.MaxImagePixels });
        try
        {
            var refusal = await CopyCheckedAsync(part.Content, file, cancellationToken).ConfigureAwait(false);
            if (refusal is null)
            {
                return file;
            }

            Log.Refused(logger, client.Id, refusal.Status, refusal.Detail);
            file.Dispose();
            return refusal;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decides on the whole file and, when it is accepted, commits it as the verdict store says a verified blob
    /// looks (the same headers as a verified presigned upload) and records the verdict, with the SHA-256 computed while
    /// the file streamed, for exactly that content. A file that is not what its declared SHA-256 says is refused (415).
    /// </summary>
    private async Task<Outcome<DirectUploadResponse>> CommitAsync(ApiClient client, FilePart file, byte[]? declaredSha256, CancellationToken cancellationToken)
    {
        var length = file.Writer.Length;
        if (length == 0)
        {
            return Problems.EmptyFile.With("The file is empty. Send a file with content.");
        }

        var decision = VerificationPolicy.Decide(file.FileName, file.DeclaredType, length, file.Sniffer.Complete());
        if (!decision.Accepted)
        {
            Log.Refused(logger, client.Id, 415, decision.Reason!);
            return Problems.UnsupportedContentType.With(decision.Reason!);
        }

        var sha256 = file.Hash.GetHashAndReset();
        if (declaredSha256 is not null && !Sha256Digest.Matches(sha256, declaredSha256))
        {
            var mismatch = Sha256Digest.Mismatch(sha256, declaredSha256);
            Log.Refused(logger, client.Id, mismatch.Status, mismatch.Detail);
            return mismatch;
        }

        var headers = VerdictStore.VerifiedHeaders(file.BlobPath, decision.DetectedType, contentHash: null);
        BlobContentInfo committed;
        try
        {
            committed = await file.Writer.CommitAsync(headers, new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
        {
            // 128 random bits make this a bug, not a collision: never overwrite.
            throw new InvalidOperationException("A freshly generated blob path already exists.", ex);
        }

        await verdicts.RecordVerifiedAsync(containers.Uploads.GetBlobClient(file.BlobPath), committed.ETag, decision.DetectedType, length, Sha256Digest.ToBase64(sha256), cancellationToken).ConfigureAwait(false);

        Log.Stored(logger, client.Id, file.BlobPath, length, decision.DetectedType);
        return new DirectUploadResponse(file.BlobPath, length, decision.DetectedType);
    }

    /// <summary>
    /// Copies the file part into the writer while the sniffer watches it. Returns the problem that stops the upload
    /// as soon as there is one (over the cap; content already known not to be what it claims), or null at the end.
    /// </summary>
    private async Task<UploadProblem?> CopyCheckedAsync(Stream source, FilePart file, CancellationToken cancellationToken)
    {
        var (writer, sniffer) = (file.Writer, file.Sniffer);
        var decided = false;
        while (true)
        {
            var memory = writer.GetMemory();
            var read = await source.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            if (writer.Length + read > _options.DirectUploadMaxBytes)
            {
                return TooLarge();
            }

            sniffer.Observe(memory.Span[..read]);
            file.Hash.AppendData(memory.Span[..read]);
            if (!decided && sniffer.Result is { } detected)
            {
                decided = true;
                var early = VerificationPolicy.Decide(file.FileName, file.DeclaredType, 0, detected);
                if (!early.Accepted)
                {
                    return await SizeFirstAsync(source, writer.Length + read, Problems.UnsupportedContentType.With(early.Reason!), cancellationToken).ConfigureAwait(false);
                }
            }

            await writer.AdvanceAsync(read, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The guide's rule that a file over the cap gets 413 wins over what else is wrong with the file (its name, its
    /// type, its bytes): the rest of the file part is counted, not stored, and <paramref name="refusal"/> is the
    /// answer only if the whole part fits under the cap. Bounded: at most the cap is read.
    /// </summary>
    private async Task<UploadProblem> SizeFirstAsync(Stream filePart, long countedBytes, UploadProblem refusal, CancellationToken cancellationToken)
    {
        var rest = await BodyDrain.DrainAsync(filePart, _options.DirectUploadMaxBytes - countedBytes, cancellationToken).ConfigureAwait(false);
        return countedBytes + rest > _options.DirectUploadMaxBytes ? TooLarge() : refusal;
    }

    private UploadProblem TooLarge() => Problems.PayloadTooLarge.With(
        $"The direct upload endpoint accepts files up to {ByteSize.Describe(_options.DirectUploadMaxBytes)}. " +
        "For larger files, request a presigned URL from POST /api/integrations/uploads/url and PUT the file to it.");

    /// <summary>The file part being received: what the client declared, where it goes, and its staged bytes.</summary>
    private sealed record FilePart(string FileName, string? DeclaredType, string BlobPath, StagedBlockWriter Writer, StreamingSniffer Sniffer) : IDisposable
    {
        /// <summary>The SHA-256 of the bytes received, computed as they stream (never a second read).</summary>
        public IncrementalHash Hash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public void Dispose()
        {
            Writer.Dispose();
            Sniffer.Dispose();
            Hash.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Stored a direct upload for client {ClientId}: {BlobPath}, {SizeBytes} bytes, {ContentType}")]
        public static partial void Stored(ILogger logger, string clientId, string blobPath, long sizeBytes, string contentType);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Refused a direct upload of client {ClientId} with {Status}: {Reason}")]
        public static partial void Refused(ILogger logger, string clientId, int status, string reason);

        [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Refused a malformed multipart body from client {ClientId}: {Reason}")]
        public static partial void MalformedBody(ILogger logger, string clientId, string reason);
    }
}
