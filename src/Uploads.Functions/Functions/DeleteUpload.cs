using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Uploads.Core.Consumer;
using Uploads.Core.Security;
using Uploads.Functions.Http;
using Uploads.Policy;

namespace Uploads.Functions.Functions;

/// <summary><c>DELETE /api/integrations/uploads?blobPath=…</c> → 204: removes one of the caller's uploads with its pinned content (idempotent).</summary>
internal sealed class DeleteUpload(ApiKeyAuthenticator authenticator, UploadCatalog catalog)
{
    [Function(nameof(DeleteUpload))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = HttpRoutes.Uploads)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (authenticator.Authenticate(request) is not { } client)
        {
            return ApiResults.Problem(RequestAuthentication.MissingOrInvalidKey);
        }

        var problem = await catalog.DeleteAsync(client, request.Query["blobPath"].FirstOrDefault(), cancellationToken).ConfigureAwait(false);
        return problem is null ? new HttpResultAction(TypedResults.NoContent()) : ApiResults.Problem(problem);
    }
}
