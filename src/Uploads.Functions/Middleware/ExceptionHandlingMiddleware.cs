using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Uploads.Core.Storage;
using Uploads.Functions.Http;
using Uploads.Policy;

namespace Uploads.Functions.Middleware;

/// <summary>
/// Turns what escapes an HTTP function into a problem answer written by <see cref="ApiResults.Problem"/>,
/// never a stack trace:
/// <list type="bullet">
/// <item>a request the client abandoned gets no answer and is no error: the host cancels the invocation (the
/// invocation's token) before ASP.NET Core notices the dead connection, so both are checked;</item>
/// <item>a body Kestrel refused (too slow, too large, truncated) gets Kestrel's status (408, 413, 400);</item>
/// <item>storage that cannot be reached gets 503 with Retry-After;</item>
/// <item>anything else gets 500 naming the invocation, and goes to the log. Once the response has started, nothing
/// can be written: the failure is logged and rethrown.</item>
/// </list>
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
            if (context.CancellationToken.IsCancellationRequested || http.RequestAborted.IsCancellationRequested)
            {
                Log.Abandoned(logger, context.FunctionDefinition.Name, context.InvocationId);
                return;
            }

            var problem = ex switch
            {
                BadHttpRequestException bad => Problems.ForRefusedBody(bad.StatusCode).With($"The request body was refused: {bad.Message}"),
                _ when StorageFailures.IsUnavailable(ex, context.CancellationToken) => Problems.ServiceUnavailable.With("Storage did not answer. Retry after the time in Retry-After."),
                _ => null,
            };
            if (problem is null)
            {
                Log.Unhandled(logger, ex, context.FunctionDefinition.Name, context.InvocationId);
                problem = Problems.InternalError.With($"The request failed unexpectedly. Retry with backoff; if it persists, report invocation {context.InvocationId}.");
            }
            else
            {
                Log.Refused(logger, context.FunctionDefinition.Name, context.InvocationId, problem.Status, ex.GetType().Name);
            }

            if (http.Response.HasStarted)
            {
                throw;
            }

            // The ASP.NET Core integration executes the invocation result once the pipeline returns.
            context.GetInvocationResult().Value = ApiResults.Problem(problem);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, EventName = "FunctionFailed", Level = LogLevel.Error, Message = "Function {FunctionName} failed (invocation {InvocationId})")]
        public static partial void Unhandled(ILogger logger, Exception exception, string functionName, string invocationId);

        [LoggerMessage(EventId = 9002, EventName = "RequestAbandoned", Level = LogLevel.Information, Message = "Function {FunctionName}: the client went away before the answer (invocation {InvocationId})")]
        public static partial void Abandoned(ILogger logger, string functionName, string invocationId);

        [LoggerMessage(EventId = 9003, EventName = "RequestRefused", Level = LogLevel.Warning, Message = "Function {FunctionName} (invocation {InvocationId}) answered {Status}: {Reason}")]
        public static partial void Refused(ILogger logger, string functionName, string invocationId, int status, string reason);
    }
}
