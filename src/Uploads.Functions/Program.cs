using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Uploads.Core.Hosting;
using Uploads.Functions.Middleware;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ExceptionHandlingMiddleware>();
builder.Services.AddUploadsCore(builder.Configuration);

var host = builder.Build();
host.Services.ValidateUploadsConfiguration();
await host.RunAsync().ConfigureAwait(false);
