using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;
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
        var (uploadUrl, blobPath) = await PresignedUpload.RequestUrlAsync(api, "logo.png", "image/png");
        Assert.DoesNotContain("skoid=", uploadUrl.Query, StringComparison.Ordinal);
        Assert.Contains("sp=cw", uploadUrl.Query, StringComparison.Ordinal);

        using var storage = host.Azurite.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Created, await PresignedUpload.PutAsync(storage, uploadUrl, await File.ReadAllBytesAsync(TestFixtures.CorpusFile("image.png"))));

        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, uploadUrl));

        using var status = await api.GetAsync(HttpRoutes.StatusOf(blobPath));
        Assert.Equal("verified", (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task DirectUpload_AccountKey_201()
    {
        using var api = host.CreateClient();
        using var form = new MultipartFormDataContent { { new ByteArrayContent("%PDF-1.7\nhello\n%%EOF\n"u8.ToArray()), "file", "note.pdf" } };

        using var response = await api.PostAsync(HttpRoutes.DirectPath, form);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
