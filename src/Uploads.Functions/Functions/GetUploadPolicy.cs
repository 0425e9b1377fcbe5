using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;
using Uploads.Core.Policy;
using Uploads.Core.Security;
using Uploads.Functions.Http;
using Uploads.Policy;

namespace Uploads.Functions.Functions;

/// <summary>
/// <c>GET /api/integrations/uploads/policy</c> → <c>{types, aliases, directUploadMaxBytes}</c>: the allowed types, their
/// extensions and size limits, for clients that check a file before uploading it. With the key, like every route
/// under <c>integrations/uploads</c> (the table is no secret: docs/openapi.json lists it too). No storage call;
/// <c>ETag</c> and <c>Cache-Control: private, max-age=3600</c>, and <c>If-None-Match</c> with the current tag answers 304.
/// </summary>
internal sealed class GetUploadPolicy(ApiKeyAuthenticator authenticator, PublishedPolicy policy)
{
    [Function(nameof(GetUploadPolicy))]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HttpRoutes.Policy)] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (authenticator.Authenticate(request) is null)
        {
            return ApiResults.Problem(RequestAuthentication.MissingOrInvalidKey);
        }

        return new HttpResultAction(new PolicyResult(policy, policy.IsCurrent(request.Headers.IfNoneMatch)));
    }

    private sealed class PolicyResult(PublishedPolicy policy, bool notModified) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var headers = httpContext.Response.Headers;
            headers.ETag = policy.ETag;
            headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"private, max-age={(long)PublishedPolicy.MaxAge.TotalSeconds}");
            return notModified
                ? TypedResults.StatusCode(StatusCodes.Status304NotModified).ExecuteAsync(httpContext)
                : TypedResults.Bytes(policy.Json, "application/json").ExecuteAsync(httpContext);
        }
    }
}
