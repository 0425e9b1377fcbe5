using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Uploads.Core.Contracts;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Functions.Http;
using Uploads.Policy;

namespace Uploads.Functions.Functions;

/// <summary><c>POST /api/integrations/uploads/direct</c>: multipart field <c>file</c>, at most 10 MB, streamed to storage → 201.</summary>
internal sealed class DirectUpload(ApiKeyAuthenticator authenticator, DirectUploadService uploads)
{
    [Function(nameof(DirectUpload))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = HttpRoutes.Direct)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (authenticator.Authenticate(request) is not { } client)
        {
            return ApiResults.Problem(RequestAuthentication.MissingOrInvalidKey);
        }

        // Not request.Body: a read of it cancelled by the invocation's token would break the request (see CancellableRequestBody).
        await using var body = new CancellableRequestBody(request.BodyReader);
        var outcome = await uploads.UploadAsync(client, request.ContentType, request.ContentLength, body, cancellationToken).ConfigureAwait(false);
        if (outcome.Problem is { } problem)
        {
            return ApiResults.Problem(problem);
        }

        var status = "/" + HttpRoutes.StatusOf(outcome.Value!.BlobPath);
        return ApiResults.Created(status, outcome.Value, UploadsJsonContext.Default.DirectUploadResponse);
    }
}
