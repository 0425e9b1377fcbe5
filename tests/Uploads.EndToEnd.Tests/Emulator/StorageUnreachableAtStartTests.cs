using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.Core.Security;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// Storage that does not answer when the worker starts (before: the worker served for ~25 s, then crashed on an
/// AggregateException after the host believed it healthy). Now it keeps running, answers 503 problems with
/// Retry-After while its start-up retries in the background, and serves normally once storage answers.
/// </summary>
public sealed class StorageUnreachableAtStartTests : IAsyncLifetime
{
    private readonly string _key = ApiKeyMinter.Mint().Key;
    private AzuriteInstance? _azurite;
    private TcpRelay? _relay;
    private FunctionsApp? _app;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteInstance.StartAsync(AzuriteMode.OAuthHttps);
        _relay = new TcpRelay(_azurite.Port);
        _app = await FunctionsApp.StartAsync(
            _azurite,
            new Dictionary<string, string?>
            {
                ["UploadStorage__blobServiceUri"] = new UriBuilder(_azurite.BlobServiceUri) { Port = _relay.Port }.Uri.ToString(),
                ["ApiKeys__Clients__acme"] = ApiKeyMinter.HashOf(_key),
            },
            waitUntilServing: false);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    [Fact]
    public async Task Start_StorageDown_503WithRetryAfterThenServesWhenStorageAnswers()
    {
        using var api = new HttpClient { BaseAddress = _app!.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Add("X-API-Key", _key);

        using (var down = await api.PostAsJsonAsync(HttpRoutes.UploadUrlPath, new { filename = "a.pdf", contentType = "application/pdf" }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
            Assert.True(down.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After in seconds");
            Assert.Equal("service_unavailable", (await down.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }

        _relay!.Up();

        var status = HttpStatusCode.ServiceUnavailable;
        await Eventually.WithinAsync(
            async ct =>
            {
                using var response = await api.PostAsJsonAsync(HttpRoutes.UploadUrlPath, new { filename = "a.pdf", contentType = "application/pdf" }, ct);
                status = response.StatusCode;
                return status != HttpStatusCode.ServiceUnavailable;
            },
            TimeSpan.FromSeconds(90),
            TimeSpan.FromMilliseconds(500));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(_app.Emulator.Completion.IsCompleted, "the worker must not have exited");
    }
}
