using Uploads.Core.Hosting;
using Uploads.Functions.Functions;

namespace Uploads.DevHost;

/// <summary>Builds the dev host: the app's service registration plus the function routes, on Kestrel.</summary>
public static class DevHostApp
{
    /// <param name="args">Command-line arguments (configuration overrides such as <c>--urls</c>).</param>
    /// <param name="contentRoot">Folder holding host.json and local.settings.json (the repository root).</param>
    /// <param name="configureServices">Extra registrations, applied after the app's own (tests replace clients here).</param>
    /// <param name="settings">Extra configuration, applied last.</param>
    public static WebApplication Build(
        string[] args,
        string contentRoot,
        Action<IServiceCollection>? configureServices = null,
        IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = contentRoot });
        builder.Configuration.AddInMemoryCollection(LocalSettings.Read(Path.Combine(contentRoot, "local.settings.json")));
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        // The Functions host accepts request bodies up to 100 MB; so does this host.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 100L * 1024 * 1024);
        builder.Services.AddProblemDetails();
        builder.Services.AddUploadsCore(builder.Configuration);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.Services.ValidateUploadsConfiguration();
        app.UseExceptionHandler();
        app.MapFunctions(typeof(CreateUploadUrl).Assembly, LocalSettings.RoutePrefix(Path.Combine(contentRoot, "host.json")));
        app.MapBlobTriggers(typeof(CreateUploadUrl).Assembly);
        return app;
    }
}
