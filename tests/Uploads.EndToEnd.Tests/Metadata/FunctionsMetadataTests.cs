using System.Text.Json;
using Uploads.Functions.Functions;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Metadata;

/// <summary>
/// Pins what the Functions host will see: the functions.metadata the Worker SDK generates at build time
/// (Core Tools cannot run here, so this file is the contract with the host).
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Lazy<JsonElement[]> Functions = new(Load);

    private static JsonElement[] Load()
    {
        var path = BuildOutput.Of("Uploads.Functions", "functions.metadata");
        return [.. JsonDocument.Parse(File.ReadAllText(path)).RootElement.EnumerateArray()];
    }

    private static JsonElement Function(string name) => Functions.Value.Single(f => f.GetProperty("name").GetString() == name);

    private static JsonElement Trigger(JsonElement function) =>
        function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    [Theory]
    [InlineData("CreateUploadUrl", "integrations/uploads/url", "post")]
    [InlineData("DirectUpload", "integrations/uploads/direct", "post")]
    [InlineData("GetUploadStatus", "integrations/uploads/status", "get")]
    [InlineData("GetUploadPolicy", "integrations/uploads/policy", "get")]
    [InlineData("GetOpenApiDocument", "openapi.json", "get")]
    public void Metadata_HttpFunction_RouteAndMethodOfTheGuide(string name, string route, string method)
    {
        var trigger = Trigger(Function(name));

        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        // Function keys would break the guide's clients, which send only X-API-Key: the app authenticates itself.
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
    }

    [Fact]
    public void Metadata_VerifyUpload_BlobTriggerWithEventGridSourceOnTheUploadsConnection()
    {
        var trigger = Trigger(Function("VerifyUpload"));

        Assert.Equal("blobTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("EventGrid", trigger.GetProperty("source").GetString());
        Assert.Equal("UploadStorage", trigger.GetProperty("connection").GetString());
        // The container is the app setting Uploads__ContainerName, the one the code and the template use.
        Assert.Equal("%Uploads:ContainerName%/{name}", trigger.GetProperty("path").GetString());
    }

    [Fact]
    public void Metadata_ReconcileUploads_TimerOnTheScheduleSettingWithMonitor()
    {
        var trigger = Trigger(Function("ReconcileUploads"));

        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        // The schedule is the app setting the template and the local settings set, so that Azure and local runs differ only there.
        Assert.Equal("%Verification:ReconcileSchedule%", trigger.GetProperty("schedule").GetString());
        // The host records its schedule status (useMonitor, true when absent); no pass at every cold start.
        Assert.False(trigger.TryGetProperty("useMonitor", out var useMonitor) && !useMonitor.GetBoolean());
        Assert.False(trigger.TryGetProperty("runOnStartup", out var runOnStartup) && runOnStartup.GetBoolean());
    }

    [Fact]
    public void Metadata_ReceiveMalwareScanResult_QueueTriggerOnTheResultsQueueOfTheUploadsConnection()
    {
        var trigger = Trigger(Function("ReceiveMalwareScanResult"));

        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        // The queue the template's Event Grid subscription delivers to, on the uploads account (identity-based connection).
        Assert.Equal(Uploads.Core.Configuration.MalwareScanOptions.ResultsQueueName, trigger.GetProperty("queueName").GetString());
        Assert.Equal("UploadStorage", trigger.GetProperty("connection").GetString());
    }

    [Fact]
    public void Metadata_Functions_ExactlyTheElevenOfTheService()
    {
        Assert.Equal(
            ["CreateReadUrl", "CreateUploadUrl", "DeleteUpload", "DirectUpload", "GetOpenApiDocument", "GetUploadPolicy", "GetUploadStatus", "ListUploads", "ReceiveMalwareScanResult", "ReconcileUploads", "VerifyUpload"],
            Functions.Value.Select(f => f.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Metadata_EveryFunction_IsolatedWorkerEntryPointThatExists()
    {
        var assembly = typeof(CreateUploadUrl).Assembly;
        foreach (var function in Functions.Value)
        {
            Assert.Equal("dotnet-isolated", function.GetProperty("language").GetString());
            Assert.Equal(assembly.GetName().Name + ".dll", function.GetProperty("scriptFile").GetString());
            var entryPoint = function.GetProperty("entryPoint").GetString()!;
            var type = assembly.GetType(entryPoint[..entryPoint.LastIndexOf('.')], throwOnError: true)!;
            Assert.NotNull(type.GetMethod(entryPoint[(entryPoint.LastIndexOf('.') + 1)..]));
        }
    }

    /// <summary>"METHOD /api/route -> Name" for every HTTP function of functions.metadata, as the host routes them.</summary>
    internal static IEnumerable<string> HttpRoutes() =>
        Functions.Value
            .Select(f => (Name: f.GetProperty("name").GetString()!, Trigger: Trigger(f)))
            .Where(f => f.Trigger.GetProperty("type").GetString() == "httpTrigger")
            .SelectMany(f => f.Trigger.GetProperty("methods").EnumerateArray().Select(m => $"{m.GetString()!.ToUpperInvariant()} /api/{f.Trigger.GetProperty("route").GetString()} -> {f.Name}"))
            .Order(StringComparer.Ordinal);
}
