using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// The other storage mode through the real worker: a connection string with Azurite's account key (what
/// <c>UseDevelopmentStorage=true</c> and scripts/run-local.sh use). URLs are account-key SAS; the same flow holds.
/// </summary>
public sealed class SharedKeyModeTests(SharedKeyApiHost host) : IClassFixture<SharedKeyApiHost>
{
    [Fact]
    public async Task PresignedUpload_AccountKeySasThenBlobCreated_Verified()
    {
        using var api = host.CreateClient();
        using var issued = await api.PostAsJsonAsync("/api/integrations/uploads/url", new { filename = "logo.png", contentType = "image/png" });
        var body = await issued.Content.ReadFromJsonAsync<JsonElement>();
        var uploadUrl = new Uri(body.GetProperty("uploadUrl").GetString()!);
        var blobPath = body.GetProperty("blobPath").GetString()!;
        Assert.DoesNotContain("skoid=", uploadUrl.Query, StringComparison.Ordinal);
        Assert.Contains("sp=cw", uploadUrl.Query, StringComparison.Ordinal);

        using var storage = host.Azurite.CreateHttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, uploadUrl)
        {
            Content = new ByteArrayContent(await File.ReadAllBytesAsync(TestFixtures.CorpusFile("image.png"))),
        };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var stored = await storage.SendAsync(put);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, uploadUrl));

        using var status = await api.GetAsync("/api/integrations/uploads/status?blobPath=" + Uri.EscapeDataString(blobPath));
        Assert.Equal("verified", (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task DirectUpload_AccountKey_201()
    {
        using var api = host.CreateClient();
        using var form = new MultipartFormDataContent { { new ByteArrayContent("%PDF-1.7\nhello\n%%EOF\n"u8.ToArray()), "file", "note.pdf" } };

        using var response = await api.PostAsync("/api/integrations/uploads/direct", form);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
