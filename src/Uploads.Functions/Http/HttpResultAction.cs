using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Uploads.Functions.Http;

/// <summary>
/// Lets a function return an ASP.NET Core <see cref="IResult"/> (TypedResults): the Functions ASP.NET Core
/// integration executes <see cref="IActionResult"/> return values only.
/// </summary>
internal sealed class HttpResultAction(IResult result) : IActionResult
{
    public IResult Result { get; } = result;

    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Result.ExecuteAsync(context.HttpContext);
    }
}
