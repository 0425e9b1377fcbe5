using Uploads.Policy;

namespace Uploads.BrowserSample;

/// <summary>The backend's routes, all the page needs: what may be uploaded, an upload URL (new or renewed) and a verdict.</summary>
public static class Routes
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/backend/upload-url", async (UploadUrlRequest request, HttpContext context, UploadsApi api, SampleUsers users, CancellationToken cancellationToken) =>
        {
            if (request.BlobPath is { } blobPath)
            {
                if (request.Filename is not null || request.ContentType is not null || request.SizeBytes is not null || request.Sha256 is not null)
                {
                    return NotYours("Send either blobPath (to renew an upload's URL) or filename, contentType and sizeBytes (for a new upload), not both.", StatusCodes.Status400BadRequest);
                }

                if (!users.Owns(context, blobPath))
                {
                    return NotYours($"{blobPath} is not an upload of this session.");
                }

                return Pass(await api.RequestUrlAsync(request with { BlobPath = blobPath }, cancellationToken));
            }

            var answer = await api.RequestUrlAsync(request, cancellationToken);
            if (answer.BlobPath is { } issued)
            {
                users.Remember(context, issued);
            }

            return Pass(answer);
        });

        // The allowed types and limits as the API publishes them (no copy kept here): the page lists them.
        // The browser may keep it as long as the API says (its Cache-Control, passed on).
        app.MapGet("/backend/upload-policy", async (HttpContext context, UploadsApi api, CancellationToken cancellationToken) =>
        {
            var answer = await api.GetPolicyAsync(cancellationToken);
            if (answer.Status is System.Net.HttpStatusCode.OK && answer.CacheControl is { } cacheControl)
            {
                context.Response.Headers.CacheControl = cacheControl;
            }

            return Pass(answer);
        });

        app.MapGet("/backend/upload-status", async (string blobPath, HttpContext context, UploadsApi api, SampleUsers users, CancellationToken cancellationToken) =>
            users.Owns(context, blobPath)
                ? Pass(await api.GetStatusAsync(blobPath, cancellationToken))
                : NotYours($"{blobPath} is not an upload of this session."));
    }

    /// <summary>The API's answer as it came, except that a refused key is the backend's fault, not the page's.</summary>
    private static IResult Pass(ApiAnswer answer) =>
        answer.Status is System.Net.HttpStatusCode.Unauthorized
            ? Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The upload API refused the backend's key", detail: "Check UploadsApi:Key (UPLOADS_API_KEY) of the sample backend.")
            : Results.Text(System.Text.Encoding.UTF8.GetString(answer.Body), answer.ContentType, statusCode: (int)answer.Status);

    private static IResult NotYours(string detail, int status = StatusCodes.Status404NotFound) =>
        Results.Problem(statusCode: status, title: status == StatusCodes.Status404NotFound ? "Unknown upload" : "Bad request", detail: detail);
}
