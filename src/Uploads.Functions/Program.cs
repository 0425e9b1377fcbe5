using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Uploads.Core.Hosting;
using Uploads.Functions.Hosting;
using Uploads.Functions.Middleware;

var builder = FunctionsApplication.CreateBuilder(args);
builder.UseMiddleware<CancelledInvocationMiddleware>(); // before the ASP.NET Core integration: it wraps its wait too
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ExceptionHandlingMiddleware>();
builder.UseMiddleware<ReadinessMiddleware>();
builder.Services.AddUploadsCore(builder.Configuration);

// Application Insights from the worker, as the isolated-worker documentation describes: the worker sends its own
// telemetry (the host then does not duplicate it). Without APPLICATIONINSIGHTS_CONNECTION_STRING nothing is sent.
builder.Services.AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights();
if (TelemetryAuthentication.FromSetting(builder.Configuration[TelemetryAuthentication.Setting]) is { } telemetryCredential)
{
    builder.Services.Configure<TelemetryConfiguration>(telemetry => telemetry.SetAzureTokenCredential(telemetryCredential));
}

// Every log line goes to the host and, in Azure, becomes a billed Application Insights trace: the framework's
// per-request Information lines (about six per request) are noise there. The app's own categories keep Information.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Azure.Functions.Worker", LogLevel.Warning);
builder.Logging.AddFilter("Azure.Core", LogLevel.Warning);

// The worker's own Kestrel would refuse bodies over 30,000,000 bytes with a 500 before the service can answer 413:
// accept what the Functions host itself accepts (100 MB), and let the direct-upload service enforce its 10 MB cap.
builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = HostLimits.RequestBodyBytes);

var host = builder.Build();
host.Services.ValidateUploadsConfiguration();
await host.RunAsync().ConfigureAwait(false);
