using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>
/// The Event Grid path of the Blob trigger, as the postdeploy hook's subscription drives it in Azure: the handshake,
/// then BlobCreated events posted to the trigger's webhook, served by the host emulator, which invokes the worker's
/// VerifyUpload with the blob as deferred-binding data (a BlobClient on the UploadStorage connection).
/// </summary>
public sealed class BlobTriggerWebhookTests(ApiHost host) : IClassFixture<ApiHost>
{
    private const string Webhook = EventGridWebhook.Path;

    private static StringContent Events(string events, string eventType) => EventGridWebhook.Events(events, eventType);

    private static string BlobCreated(Uri blobUrl) => EventGridWebhook.BlobCreated(blobUrl);

    [Fact]
    public async Task Post_SubscriptionValidation_EchoesTheCode()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var validation = new[]
        {
            new
            {
                id = Guid.NewGuid().ToString(),
                topic = "/subscriptions/x",
                subject = "",
                eventType = "Microsoft.EventGrid.SubscriptionValidationEvent",
                eventTime = DateTimeOffset.UtcNow,
                dataVersion = "1",
                data = new { validationCode = "512d38b6-c7b8-40c8-89fe-f46f9e9622b6", validationUrl = "https://example.invalid" },
            },
        };

        using var response = await http.PostAsync(Webhook, Events(JsonSerializer.Serialize(validation), "SubscriptionValidation"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("validationResponse").GetString());
    }

    [Theory]
    [InlineData("image.png", "logo.png", "image/png", "verified")]
    [InlineData("document.pdf", "logo.png", "image/png", null)]
    public async Task Post_BlobCreated_RunsVerifyUpload(string corpusFile, string name, string type, string? verdictTag)
    {
        using var api = host.CreateClient();
        using var urlResponse = await api.PostAsJsonAsync("/api/integrations/uploads/url", new { filename = name, contentType = type });
        var url = await urlResponse.Content.ReadFromJsonAsync<JsonElement>();
        var blobPath = url.GetProperty("blobPath").GetString()!;
        var blob = host.Uploads.GetBlobClient(blobPath);
        await blob.UploadAsync(new BinaryData(await File.ReadAllBytesAsync(TestFixtures.CorpusFile(corpusFile))));

        using var webhook = new HttpClient { BaseAddress = host.BaseAddress };
        using var response = await webhook.PostAsync(Webhook, Events(BlobCreated(blob.Uri), "Notification"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        if (verdictTag is null)
        {
            Assert.False((await blob.ExistsAsync()).Value);
            Assert.True((await host.Quarantine.GetBlobClient(blobPath).ExistsAsync()).Value);
        }
        else
        {
            Assert.Equal(verdictTag, (await blob.GetTagsAsync()).Value.Tags["verdict"]);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("&code=wrong-key")]
    public async Task Post_WithoutTheSystemKey_Unauthorized(string code)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.PostAsync("/runtime/webhooks/blobs?functionName=Host.Functions.VerifyUpload" + code, Events("[]", "Notification"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    public static TheoryData<string> MalformedBodies() =>
    [
        "",
        "not json",
        "{}",
        "[{}]",
        "[{\"id\":\"1\",\"subject\":\"s\",\"eventType\":\"Microsoft.Storage.BlobCreated\",\"eventTime\":\"2026-12-01T00:00:00Z\",\"dataVersion\":\"\",\"data\":{\"url\":\"not a url\"}}]",
        "[{\"id\":\"1\",\"subject\":\"s\",\"eventType\":\"Microsoft.Storage.BlobCreated\",\"eventTime\":\"2026-12-01T00:00:00Z\",\"dataVersion\":\"\",\"data\":{\"url\":\"https://127.0.0.1:10000/devstoreaccount1/uploads\"}}]",
        "[{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"Microsoft.Storage.BlobCreated\",\"data\":{\"url\":\"https://127.0.0.1:10000/devstoreaccount1/uploads/a/b.pdf\"}}]",
    ];

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Post_MalformedEvents_400NotAFailure(string body)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.PostAsync(Webhook, Events(body, "Notification"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
