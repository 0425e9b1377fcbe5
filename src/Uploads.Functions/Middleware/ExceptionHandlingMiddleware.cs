using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Uploads.Functions.Middleware;

/// <summary>
/// Turns an unhandled exception in an HTTP function into a 500 <c>application/problem+json</c> without details
/// (the exception goes to the log, never to the client). A request the client abandoned gets no answer.
/// </summary>
internal sealed partial class ExceptionHandlingMiddleware(ILogger<ExceptionHandlingMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (context.GetHttpContext() is { } http)
        {
            if (http.RequestAborted.IsCancellationRequested)
            {
                Log.Abandoned(logger, context.FunctionDefinition.Name);
                return;
            }

            Log.Unhandled(logger, ex, context.FunctionDefinition.Name, context.InvocationId);
            if (!http.Response.HasStarted)
            {
                await TypedResults.Problem(
                    detail: $"The request failed unexpectedly. Retry with backoff; if it persists, report invocation {context.InvocationId}.",
                    statusCode: StatusCodes.Status500InternalServerError,
                    title: "Internal error.").ExecuteAsync(http).ConfigureAwait(false);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Error, Message = "Function {FunctionName} failed (invocation {InvocationId})")]
        public static partial void Unhandled(ILogger logger, Exception exception, string functionName, string invocationId);

        [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Function {FunctionName}: the client disconnected before the answer")]
        public static partial void Abandoned(ILogger logger, string functionName);
    }
}
