using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Uploads.Core.Hosting;
using Uploads.Functions.Http;

namespace Uploads.Functions.Middleware;

/// <summary>
/// While start-up has not reached storage (<see cref="UploadsReadiness"/>), HTTP functions are answered with a 503
/// problem and Retry-After instead of running against storage that does not answer. Other triggers run: their host
/// retries them.
/// </summary>
internal sealed class ReadinessMiddleware(UploadsReadiness readiness) : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (readiness.Problem is { } problem && context.GetHttpContext() is not null)
        {
            context.GetInvocationResult().Value = ApiResults.Problem(problem);
            return Task.CompletedTask;
        }

        return next(context);
    }
}
