using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Uploads.Functions.Functions;
using Uploads.Policy;

namespace Uploads.EndToEnd.Tests.Metadata;

/// <summary>
/// The routes of the Functions app are the shared constants (<see cref="HttpRoutes"/>) that the client library and
/// the tests send to: read from the functions' <c>[HttpTrigger]</c> attributes, so a route written by hand differently
/// fails here before any client misses it.
/// </summary>
public sealed class HttpRoutesTests
{
    /// <summary>Every HTTP function of Uploads.Functions by name, with its trigger's route.</summary>
    private static Dictionary<string, string?> FunctionRoutes() =>
        typeof(CreateUploadUrl).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(method => (Function: method.GetCustomAttribute<FunctionAttribute>(), Trigger: method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).SingleOrDefault(t => t is not null)))
            .Where(found => found.Function is not null && found.Trigger is not null)
            .ToDictionary(found => found.Function!.Name, found => found.Trigger!.Route, StringComparer.Ordinal);

    [Theory]
    [InlineData(nameof(CreateUploadUrl), HttpRoutes.UploadUrl)]
    [InlineData(nameof(DirectUpload), HttpRoutes.Direct)]
    [InlineData(nameof(GetUploadStatus), HttpRoutes.Status)]
    [InlineData(nameof(GetUploadPolicy), HttpRoutes.Policy)]
    [InlineData(nameof(CreateReadUrl), HttpRoutes.ReadUrl)]
    [InlineData(nameof(ListUploads), HttpRoutes.Uploads)]
    [InlineData(nameof(DeleteUpload), HttpRoutes.Uploads)]
    [InlineData(nameof(GetOpenApiDocument), HttpRoutes.OpenApi)]
    public void HttpTrigger_Function_RouteIsTheSharedConstant(string function, string route)
    {
        Assert.Equal(route, FunctionRoutes()[function]);
    }

    [Fact]
    public void HttpTriggers_AllFunctions_RoutesAreExactlyTheSharedConstants()
    {
        // One route may serve several functions, one per method (GET and DELETE of integrations/uploads).
        Assert.Equal(HttpRoutes.All.Order(StringComparer.Ordinal), FunctionRoutes().Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Paths_EveryRoute_UnderTheHostsRoutePrefix()
    {
        using var hostJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Uploads.Testing.RepositoryRoot.Find(), "host.json")));

        Assert.Equal(HttpRoutes.Prefix, hostJson.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal(
            [HttpRoutes.UploadUrlPath, HttpRoutes.DirectPath, HttpRoutes.StatusPath, HttpRoutes.PolicyPath, HttpRoutes.ReadUrlPath, HttpRoutes.UploadsPath, HttpRoutes.OpenApiPath],
            HttpRoutes.All.Select(route => HttpRoutes.Prefix + "/" + route));
    }
}
