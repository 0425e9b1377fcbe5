using System.Text.Json;
using Azure;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Microsoft.Extensions.Logging;
using Uploads.Core.Contracts;
using Uploads.Policy;

namespace Uploads.Core.Verification;

/// <summary>
/// Publishes each verdict as a CloudEvents 1.0 event to an Event Grid topic: type
/// <c>Uploads.BlobVerified</c> or <c>Uploads.BlobRejected</c>, subject = blob path, data = the status body.
/// A failed publish is logged as an error and does not undo the verdict, which stays readable through the status endpoint.
/// </summary>
internal sealed partial class EventGridVerdictPublisher(EventGridPublisherClient client, ILogger<EventGridVerdictPublisher> logger) : IVerdictPublisher
{
    public const string Source = "/integrations/uploads";
    public const string VerifiedType = "Uploads.BlobVerified";
    public const string RejectedType = "Uploads.BlobRejected";

    public async Task PublishAsync(UploadStatus verdict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        if (verdict.Status == UploadState.Pending)
        {
            return;
        }

        var data = new BinaryData(JsonSerializer.SerializeToUtf8Bytes(verdict, UploadsJsonContext.Default.UploadStatus));
        var cloudEvent = new CloudEvent(Source, verdict.Status == UploadState.Verified ? VerifiedType : RejectedType, data, "application/json", CloudEventDataFormat.Json)
        {
            Subject = verdict.BlobPath,
        };

        try
        {
            await client.SendEventAsync(cloudEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            Log.PublishFailed(logger, ex, verdict.BlobPath, verdict.Status);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "Could not publish the verdict for {BlobPath} ({Status}) to Event Grid")]
        public static partial void PublishFailed(ILogger logger, Exception exception, string blobPath, UploadState status);
    }
}
