using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Hosting;
using Uploads.Core.Naming;
using Uploads.Core.Policy;
using Uploads.Core.Security;
using Uploads.Core.Signing;
using Uploads.Core.Storage;

namespace Uploads.Core.Uploads;

/// <summary>Issues presigned upload URLs: validates the request, names the blob, signs the URL.</summary>
public sealed partial class UploadUrlService(
    UploadContainers containers,
    IBlobSasSigner signer,
    TimeProvider time,
    IOptions<UploadOptions> options,
    ILogger<UploadUrlService> logger)
{
    private readonly UploadOptions _options = options.Value;

    public async ValueTask<Outcome<UploadUrlResponse>> IssueAsync(ApiClient client, UploadUrlRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);

        if (request.Filename is null)
        {
            return UploadProblem.BadRequest("missing_field", "The body must have \"filename\", the file's plain name.");
        }

        if (string.IsNullOrWhiteSpace(request.ContentType))
        {
            return UploadProblem.BadRequest("missing_field", "The body must have \"contentType\", one of the allowed MIME types.");
        }

        var name = FileNameRules.Check(request.Filename);
        if (!name.IsValid)
        {
            return UploadProblem.InvalidFileName(name.Problem!);
        }

        var resolution = ContentTypeResolution.Resolve(request.Filename, request.ContentType);
        if (resolution.Problem is not null)
        {
            return resolution.Problem;
        }

        var type = resolution.Type!;
        if (FileNameRules.ExtensionOf(request.Filename).Length == 0)
        {
            // The bytes arrive later, straight at storage, with no type the service can trust: the name's extension
            // is what binds the upload to the declared type when it is verified.
            return new UploadProblem(415, "missing_extension", "The filename needs an extension.",
                $"Name the file with the extension of its type, for example \"{request.Filename}{type.Extensions[0]}\" for {type.MediaType}: the upload is verified against it.");
        }

        if (request.SizeBytes is { } size)
        {
            if (size < 0)
            {
                return UploadProblem.BadRequest("invalid_field", "\"sizeBytes\" must be zero or more.");
            }

            var limit = UploadPolicy.MaxBytes(type.Category);
            if (size > limit)
            {
                return UploadProblem.TooLarge($"{type.Category} files may be at most {limit} bytes ({limit / (1024 * 1024)} MiB); this one is {size} bytes.");
            }
        }

        var blobPath = BlobPath.Create(client.Id, request.Filename);
        var now = time.GetUtcNow();
        // Whole seconds: the SAS carries its expiry to the second, and expiresAt must be that same instant.
        var expiresOn = new DateTimeOffset((now + _options.UrlLifetime).UtcTicks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var uploadUrl = await signer.SignAsync(containers.Uploads.GetBlobClient(blobPath), UploadSas.Permissions, now - _options.ClockSkew, expiresOn, cancellationToken).ConfigureAwait(false);

        Log.UrlIssued(logger, client.Id, blobPath, type.MediaType, expiresOn);
        return new UploadUrlResponse(uploadUrl, blobPath, expiresOn.UtcDateTime);
    }

    private static partial class Log
    {
        // The URL itself is a bearer credential: it is never logged.
        [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Issued an upload URL for client {ClientId}: {BlobPath} ({ContentType}), valid until {ExpiresOn:o}")]
        public static partial void UrlIssued(ILogger logger, string clientId, string blobPath, string contentType, DateTimeOffset expiresOn);
    }
}
