using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Uploads.Core.Contracts;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Functions.Http;
using Uploads.Policy;

namespace Uploads.Functions.Functions;

/// <summary><c>POST /api/integrations/uploads/url</c> → <c>{uploadUrl, blobPath, expiresAt}</c>.</summary>
internal sealed class CreateUploadUrl(ApiKeyAuthenticator authenticator, UploadUrlService uploads)
{
    [Function(nameof(CreateUploadUrl))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = HttpRoutes.UploadUrl)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (authenticator.Authenticate(request) is not { } client)
        {
            return ApiResults.Problem(RequestAuthentication.MissingOrInvalidKey);
        }

        var body = await JsonBody.ReadAsync(request, UploadsJsonContext.Default.UploadUrlRequest, cancellationToken).ConfigureAwait(false);
        if (body.Problem is { } problem)
        {
            return ApiResults.Problem(problem);
        }

        var outcome = await uploads.IssueAsync(client, body.Value!, cancellationToken).ConfigureAwait(false);
        return ApiResults.Outcome(outcome, UploadsJsonContext.Default.UploadUrlResponse);
    }
}
