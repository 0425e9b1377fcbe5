using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Uploads.Core.Consumer;
using Uploads.Core.Contracts;
using Uploads.Core.Security;
using Uploads.Functions.Http;
using Uploads.Policy;

namespace Uploads.Functions.Functions;

/// <summary><c>GET /api/integrations/uploads?state=&amp;pageSize=&amp;continuation=</c> → <c>{uploads, continuation}</c>: the caller's uploads, one page.</summary>
internal sealed class ListUploads(ApiKeyAuthenticator authenticator, UploadCatalog catalog)
{
    [Function(nameof(ListUploads))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HttpRoutes.Uploads)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (authenticator.Authenticate(request) is not { } client)
        {
            return ApiResults.Problem(RequestAuthentication.MissingOrInvalidKey);
        }

        var query = request.Query;
        var outcome = await catalog.ListAsync(client, query["state"].FirstOrDefault(), query["pageSize"].FirstOrDefault(), query["continuation"].FirstOrDefault(), cancellationToken).ConfigureAwait(false);
        return ApiResults.Outcome(outcome, UploadsJsonContext.Default.UploadListResponse);
    }
}
