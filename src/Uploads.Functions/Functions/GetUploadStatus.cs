using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Uploads.Core.Contracts;
using Uploads.Core.Security;
using Uploads.Core.Verification;
using Uploads.Functions.Http;
using Uploads.Policy;

namespace Uploads.Functions.Functions;

/// <summary>
/// <c>GET /api/integrations/uploads/status?blobPath=…</c> → <c>{blobPath, status, detectedType, sizeBytes, reason, checkedAt}</c>;
/// a pending status carries <c>Retry-After</c> (a check still running goes on in the background).
/// </summary>
internal sealed class GetUploadStatus(ApiKeyAuthenticator authenticator, UploadStatusService statuses)
{
    [Function(nameof(GetUploadStatus))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HttpRoutes.Status)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (authenticator.Authenticate(request) is not { } client)
        {
            return ApiResults.Problem(RequestAuthentication.MissingOrInvalidKey);
        }

        var outcome = await statuses.GetAsync(client, request.Query["blobPath"].FirstOrDefault(), cancellationToken).ConfigureAwait(false);
        return outcome.Value is { } status
            ? ApiResults.Json(status, UploadsJsonContext.Default.UploadStatus, retryAfter: UploadStatusService.RetryAfter(status))
            : ApiResults.Outcome(outcome, UploadsJsonContext.Default.UploadStatus);
    }
}
