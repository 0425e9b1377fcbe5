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
    public async Task Post_SubscriptionValidation_EchoesTheCodeAsTextPlainAsTheHost()
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

        // The host's Blobs extension answers with a StringContent holding the JSON: text/plain; charset=utf-8.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("validationResponse").GetString());
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
    public async Task Post_WithoutTheSystemKey_HostsBare401WithBearerChallenge(string code)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.PostAsync("/runtime/webhooks/blobs?functionName=Host.Functions.VerifyUpload" + code, Events("[]", "Notification"));

        // The host's key check: 401, nothing in the body, WWW-Authenticate: Bearer.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task Get_WithTheKey_HostsBare400()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.GetAsync(Webhook);

        // HttpRequestProcessor: neither a SubscriptionValidation, Notification nor Unsubscribe event type: 400, empty.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Post_BlobCreatedWithoutEventTypeHeader_HostsBare400AndNothingRuns()
    {
        var blobPath = await host.PresignedUploadAsync("image.png", "logo.png", "image/png");
        var blob = host.Uploads.GetBlobClient(blobPath);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var events = new StringContent(BlobCreated(blob.Uri), System.Text.Encoding.UTF8, "application/json");

        using var response = await http.PostAsync(Webhook, events);

        // HttpRequestProcessor: no aeg-event-type header is no notification: 400 and no event is taken.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.False((await blob.GetTagsAsync()).Value.Tags.ContainsKey("verdict"));
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
    public async Task Post_MalformedEvents_HostsBare500(string body)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.PostAsync(Webhook, Events(body, "Notification"));

        // The Blobs extension reads data.url and data.blobType of every event (and the body as a JSON array or
        // object) without checking: what it cannot read throws, and the host answers its own empty 500.
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }
}
