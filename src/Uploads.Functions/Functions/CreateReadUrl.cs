using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Uploads.Core.Consumer;
using Uploads.Core.Contracts;
using Uploads.Core.Security;
using Uploads.Functions.Http;
using Uploads.Policy;

namespace Uploads.Functions.Functions;

/// <summary><c>POST /api/integrations/uploads/read-url</c> <c>{blobPath}</c> → <c>{readUrl, expiresAt, contentType, sizeBytes, sha256}</c>.</summary>
internal sealed class CreateReadUrl(ApiKeyAuthenticator authenticator, ReadUrlService readUrls)
{
    [Function(nameof(CreateReadUrl))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = HttpRoutes.ReadUrl)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (authenticator.Authenticate(request) is not { } client)
        {
            return ApiResults.Problem(RequestAuthentication.MissingOrInvalidKey);
        }

        var body = await JsonBody.ReadAsync(request, UploadsJsonContext.Default.ReadUrlRequest, cancellationToken).ConfigureAwait(false);
        if (body.Problem is { } problem)
        {
            return ApiResults.Problem(problem);
        }

        var outcome = await readUrls.IssueAsync(client, body.Value!, cancellationToken).ConfigureAwait(false);
        return ApiResults.Outcome(outcome, UploadsJsonContext.Default.ReadUrlResponse);
    }
}
