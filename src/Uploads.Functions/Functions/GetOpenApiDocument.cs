using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Uploads.Functions.Http;
using Uploads.Policy;

namespace Uploads.Functions.Functions;

/// <summary>
/// <c>GET /api/openapi.json</c>, without a key: the OpenAPI 3.1 document of the API. The bytes are docs/openapi.json,
/// embedded at build time, so the committed document is the one served (locally and in Azure).
/// </summary>
internal sealed class GetOpenApiDocument
{
    internal const string ResourceName = "Uploads.Functions.openapi.json";

    private static readonly Lazy<byte[]> Document = new(Load);

    [Function(nameof(GetOpenApiDocument))]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HttpRoutes.OpenApi)] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new HttpResultAction(TypedResults.Bytes(Document.Value, "application/json"));
    }

    private static byte[] Load()
    {
        using var stream = typeof(GetOpenApiDocument).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
