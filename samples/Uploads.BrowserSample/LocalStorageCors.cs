using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;

namespace Uploads.BrowserSample;

/// <summary>
/// Local development: sets the storage CORS rule of infra/app/storage-cors.json (the rule the Bicep template
/// deploys) on Azurite for the sample's origins, with Set Blob Service Properties, before the page is served.
/// Does nothing without <see cref="LocalStorageCorsOptions.ConnectionString"/>.
/// </summary>
public sealed partial class LocalStorageCors(IOptions<LocalStorageCorsOptions> options, ILogger<LocalStorageCors> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.ConnectionString))
        {
            return;
        }

        var origins = (settings.Origins ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (origins.Length == 0)
        {
            throw new OptionsValidationException(LocalStorageCorsOptions.Section, typeof(LocalStorageCorsOptions), ["Set LocalStorageCors:Origins to the page's origin (e.g. http://127.0.0.1:7072) when LocalStorageCors:ConnectionString is set."]);
        }

        var rule = ReadRule(settings.RuleFile, origins);
        var service = new BlobServiceClient(settings.ConnectionString);
        BlobServiceProperties properties = await service.GetPropertiesAsync(cancellationToken);
        properties.Cors = [rule];
        await service.SetPropertiesAsync(properties, cancellationToken);
        Log.CorsSet(logger, service.Uri, rule.AllowedOrigins, rule.AllowedMethods);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The template's rule (lists as arrays, maxAgeInSeconds) in the shape Set Blob Service Properties takes (comma-separated lists).</summary>
    public static BlobCorsRule ReadRule(string ruleFile, IEnumerable<string> origins)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(ruleFile));
        var root = document.RootElement;
        string List(string name) => string.Join(',', root.GetProperty(name).EnumerateArray().Select(e => e.GetString()));
        return new BlobCorsRule
        {
            AllowedOrigins = string.Join(',', origins),
            AllowedMethods = List("allowedMethods"),
            AllowedHeaders = List("allowedHeaders"),
            ExposedHeaders = List("exposedHeaders"),
            MaxAgeInSeconds = root.GetProperty("maxAgeInSeconds").GetInt32(),
        };
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Storage CORS on {Service}: origins {Origins}, methods {Methods} (infra/app/storage-cors.json)")]
        public static partial void CorsSet(ILogger logger, Uri service, string origins, string methods);
    }
}
