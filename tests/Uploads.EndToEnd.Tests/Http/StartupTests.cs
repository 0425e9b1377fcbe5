using Uploads.HostEmulator;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>The worker does not start on bad configuration, and says which setting is wrong.</summary>
public sealed class StartupTests : IAsyncLifetime
{
    private AzuriteInstance? _azurite;

    public async Task InitializeAsync() => _azurite = await AzuriteInstance.StartAsync(AzuriteMode.SharedKey);

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("Uploads__ContainerName", "Not_A_Container", "ContainerName")]
    [InlineData("ApiKeys__Clients__acme", "upk_a-plaintext-key-instead-of-its-hash", "SHA-256")]
    [InlineData("Uploads__UrlLifetime", "3.00:00:00", "UrlLifetime")]
    public async Task Start_BadSetting_WorkerExitsNamingTheSetting(string key, string value, string named)
    {
        var error = await Assert.ThrowsAsync<WorkerStartException>(() =>
            FunctionsApp.StartAsync(_azurite!, new Dictionary<string, string?> { [key] = value }));

        Assert.Contains("exited", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ApplicationInsightsWithEntraAuth_WorkerStartsAndServes()
    {
        // The template's settings (ingestion to a closed local port here): the worker's telemetry wiring must load.
        await using var app = await FunctionsApp.StartAsync(_azurite!, new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/",
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "ClientId=" + FunctionsApp.IdentityClientId + ";Authorization=AAD",
        });
        using var http = new HttpClient { BaseAddress = app.BaseAddress };

        using var response = await http.GetAsync(HttpRoutes.StatusPath);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
