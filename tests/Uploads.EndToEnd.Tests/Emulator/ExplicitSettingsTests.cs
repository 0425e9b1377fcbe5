using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.Core.Security;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// What the tests and the benchmarks' HTTP modes (both start the worker through <see cref="FunctionsApp"/>) run is
/// exactly the settings they pass: a <c>local.settings.json</c> that a local run left beside the built app (the build
/// copies the root one there) changes nothing. Before, a benchmark silently measured the account-key setup of such
/// a file instead of the OAuth mode it named.
/// </summary>
public sealed class ExplicitSettingsTests(AzuriteOAuthFixture fixture) : IClassFixture<AzuriteOAuthFixture>
{
    [Fact]
    public async Task StartAsync_LocalSettingsLeftBesideTheApp_IgnoredForTheGivenSettings()
    {
        var decoy = Path.Combine(FunctionsApp.AppDirectory, "local.settings.json");
        var saved = File.Exists(decoy) ? await File.ReadAllBytesAsync(decoy) : null;
        var decoyKey = ApiKeyMinter.Mint().Key;
        // What scripts/run-local.sh configures: the account key of Azurite's default port, where nothing listens here.
        await File.WriteAllTextAsync(decoy, $$$"""
            {"IsEncrypted": false, "Values": {
              "UploadStorage": "UseDevelopmentStorage=true",
              "Uploads__AllowHttpUploadUrls": "true",
              "ApiKeys__Clients__local": "{{{ApiKeyMinter.HashOf(decoyKey)}}}"}}
            """);
        try
        {
            var key = ApiKeyMinter.Mint().Key;
            await using var app = await FunctionsApp.StartAsync(fixture.Azurite, new Dictionary<string, string?> { ["ApiKeys__Clients__acme"] = ApiKeyMinter.HashOf(key) });
            using var api = new HttpClient { BaseAddress = app.BaseAddress };

            using var decoyRequest = new HttpRequestMessage(HttpMethod.Post, HttpRoutes.UploadUrlPath) { Content = JsonContent.Create(new { filename = "a.pdf", contentType = "application/pdf" }) };
            decoyRequest.Headers.Add("X-API-Key", decoyKey);
            using var refused = await api.SendAsync(decoyRequest);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

            using var request = new HttpRequestMessage(HttpMethod.Post, HttpRoutes.UploadUrlPath) { Content = JsonContent.Create(new { filename = "a.pdf", contentType = "application/pdf" }) };
            request.Headers.Add("X-API-Key", key);
            using var issued = await api.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            var url = new Uri((await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadUrl").GetString()!);
            // Signed with a user-delegation key (skoid) for the given Azurite over HTTPS, not the file's account key.
            Assert.Contains("skoid=", url.Query, StringComparison.Ordinal);
            Assert.Equal(fixture.Azurite.BlobServiceUri.Authority, url.Authority);
            Assert.Equal("https", url.Scheme);
        }
        finally
        {
            if (saved is null)
            {
                File.Delete(decoy);
            }
            else
            {
                await File.WriteAllBytesAsync(decoy, saved);
            }
        }
    }
}
