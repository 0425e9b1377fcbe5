using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Uploads.Core.Uploads;

namespace Uploads.Functions.Http;

/// <summary>The responses of the API: JSON bodies from the source-generated context, and RFC 9457 problems.</summary>
internal static class ApiResults
{
    public static IActionResult Json<T>(T value, JsonTypeInfo<T> typeInfo, int statusCode = StatusCodes.Status200OK) =>
        new HttpResultAction(TypedResults.Json(value, typeInfo, statusCode: statusCode));

    public static IActionResult Created<T>(string location, T value, JsonTypeInfo<T> typeInfo) =>
        new HttpResultAction(new CreatedJson<T>(location, value, typeInfo));

    public static IActionResult Problem(UploadProblem problem) =>
        new HttpResultAction(TypedResults.Problem(
            detail: problem.Detail,
            statusCode: problem.Status,
            title: problem.Title,
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = problem.Code }));

    public static IActionResult Outcome<T>(Outcome<T> outcome, JsonTypeInfo<T> typeInfo)
        where T : class => outcome.Problem is { } problem ? Problem(problem) : Json(outcome.Value!, typeInfo);

    private sealed class CreatedJson<T>(string location, T value, JsonTypeInfo<T> typeInfo) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return TypedResults.Json(value, typeInfo, statusCode: StatusCodes.Status201Created).ExecuteAsync(httpContext);
        }
    }
}
