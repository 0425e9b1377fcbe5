using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Uploads.Core.Contracts;
using Uploads.Policy;

namespace Uploads.Functions.Http;

/// <summary>The responses of the API: JSON bodies from the source-generated context, and RFC 9457 problems.</summary>
internal static class ApiResults
{
    /// <summary>A JSON body; with <paramref name="retryAfter"/>, the answer says when to ask again (a pending status).</summary>
    public static IActionResult Json<T>(T value, JsonTypeInfo<T> typeInfo, int statusCode = StatusCodes.Status200OK, TimeSpan? retryAfter = null)
    {
        IResult body = TypedResults.Json(value, typeInfo, statusCode: statusCode);
        return new HttpResultAction(retryAfter is { } after ? new WithRetryAfter(body, after) : body);
    }

    public static IActionResult Created<T>(string location, T value, JsonTypeInfo<T> typeInfo) =>
        new HttpResultAction(new CreatedJson<T>(location, value, typeInfo));

    /// <summary>
    /// The one writer of error bodies: every problem the app answers, from a function or from the middleware (401,
    /// 404, 413, 415, 500, 503…), has this shape: RFC 9457 with <c>code</c>, plus <c>Retry-After</c> when the problem
    /// says when to retry.
    /// </summary>
    public static IResult ProblemResult(UploadProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var body = TypedResults.Problem(
            detail: problem.Detail,
            statusCode: problem.Status,
            title: problem.Title,
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = problem.Code });
        return problem.RetryAfter is { } retryAfter ? new WithRetryAfter(body, retryAfter) : body;
    }

    public static IActionResult Problem(UploadProblem problem) => new HttpResultAction(ProblemResult(problem));

    public static IActionResult Outcome<T>(Outcome<T> outcome, JsonTypeInfo<T> typeInfo)
        where T : class => outcome.Problem is { } problem ? Problem(problem) : Json(outcome.Value!, typeInfo);

    private sealed class WithRetryAfter(IResult inner, TimeSpan retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }

    private sealed class CreatedJson<T>(string location, T value, JsonTypeInfo<T> typeInfo) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return TypedResults.Json(value, typeInfo, statusCode: StatusCodes.Status201Created).ExecuteAsync(httpContext);
        }
    }
}
