using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Uploads.Core.Contracts;
using Uploads.Core.Security;
using Uploads.Core.Verification;
using Uploads.Functions.Http;

namespace Uploads.Functions.Functions;

/// <summary><c>GET /api/integrations/uploads/status?blobPath=…</c> → <c>{blobPath, status, detectedType, sizeBytes, reason, checkedAt}</c>.</summary>
public sealed class GetUploadStatus(ApiKeyAuthenticator authenticator, UploadStatusService statuses)
{
    [Function(nameof(GetUploadStatus))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "integrations/uploads/status")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (authenticator.Authenticate(request) is not { } client)
        {
            return ApiResults.Problem(RequestAuthentication.MissingOrInvalidKey);
        }

        var outcome = await statuses.GetAsync(client, request.Query["blobPath"].FirstOrDefault(), cancellationToken).ConfigureAwait(false);
        return ApiResults.Outcome(outcome, UploadsJsonContext.Default.UploadStatus);
    }
}
