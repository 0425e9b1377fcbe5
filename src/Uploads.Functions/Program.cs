using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Uploads.Core.Hosting;
using Uploads.Functions.Middleware;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ExceptionHandlingMiddleware>();
builder.Services.AddUploadsCore(builder.Configuration);

// The worker's own Kestrel would refuse bodies over 30,000,000 bytes with a 500 before the service can answer 413:
// accept what the Functions host itself accepts (100 MB), and let the direct-upload service enforce its 10 MB cap.
builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = 100L * 1024 * 1024);

var host = builder.Build();
host.Services.ValidateUploadsConfiguration();
await host.RunAsync().ConfigureAwait(false);
