using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Uploads.Functions.Middleware;

/// <summary>
/// The outermost middleware: an invocation the host cancelled (the client went away, often before its request even
/// reached the worker, while the ASP.NET Core integration waits to pair the two) ends quietly, logged as
/// information, instead of as an error of the function. Registered before the ASP.NET Core integration's own
/// middleware so that it also covers the integration's wait.
/// </summary>
internal sealed partial class CancelledInvocationMiddleware(ILogger<CancelledInvocationMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            Log.Cancelled(logger, context.FunctionDefinition.Name, context.InvocationId);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9004, EventName = "InvocationCancelled", Level = LogLevel.Information, Message = "Function {FunctionName}: the host cancelled the invocation (the client went away) before it ran (invocation {InvocationId})")]
        public static partial void Cancelled(ILogger logger, string functionName, string invocationId);
    }
}
