using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.Adversarial;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Bounded;

/// <summary>
/// The worker as a 2,048 MB Flex Consumption instance runs it (<c>DOTNET_GCHeapHardLimit</c> 1.5 GiB), with status
/// calls that never wait for a check (<c>Verification__RequestWait</c> 0), so that a check still running shows as
/// <c>pending</c> with <c>Retry-After</c>.
/// </summary>
public sealed class HeapLimitedApiHost : ApiHost
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["DOTNET_GCHeapHardLimit"] = "0x60000000",
        ["Verification__RequestWait"] = "00:00:00",
    };
}

/// <summary>
/// Issue "Bounded verification" through the real HTTP path: every crafted shape of <see cref="AdversarialCatalog"/>
/// (files that made the old checks cost minutes of CPU and gigabytes) as a direct upload and as a presigned upload
/// followed by status calls, each with an ordinary upload sent at the same time. Each is decided — refused, or
/// accepted only when the shape is genuinely clean — and the ordinary upload is served normally. Latencies are
/// measured by <c>--adversarial-cost</c>, not asserted here.
/// </summary>
public sealed class HostileWorkUploadTests(HeapLimitedApiHost host) : IClassFixture<HeapLimitedApiHost>
{
    private const int ShapeBytes = 1024 * 1024;
    private const string StatusRoute = "/" + HttpRoutes.StatusPath;

    public static TheoryData<string> Shapes => [.. AdversarialCatalog.All.Select(s => s.Name)];

    private static AdversarialShape Shape(string name) => AdversarialCatalog.All.Single(s => s.Name == name);

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task PostDirect_CraftedShape_DecidedAndOrdinaryUploadServed(string name)
    {
        var shape = Shape(name);
        var bytes = shape.Make(ShapeBytes);

        var hostile = DirectAsync(bytes, shape.FileName, shape.ContentType);
        var ordinary = DirectAsync(await File.ReadAllBytesAsync(TestFixtures.CorpusFile("document.pdf")), "minutes.pdf", "application/pdf");
        var (hostileStatus, hostileBody) = await hostile;
        var (ordinaryStatus, _) = await ordinary;

        Assert.Equal(HttpStatusCode.Created, ordinaryStatus);
        if (shape.Clean)
        {
            Assert.True(hostileStatus == HttpStatusCode.Created, $"{name}: {(int)hostileStatus} {hostileBody}");
        }
        else
        {
            Assert.True(hostileStatus is HttpStatusCode.UnsupportedMediaType or HttpStatusCode.Forbidden, $"{name}: {(int)hostileStatus} {hostileBody}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task GetStatus_CraftedShapeUnderCheck_PendingWithRetryAfterThenDecided(string name)
    {
        var shape = Shape(name);
        var blobPath = await PresignedAsync(shape.Make(ShapeBytes), shape.FileName, shape.ContentType);

        // The first call starts the check and does not wait for it: the check has storage reads ahead of it.
        using var api = host.CreateClient();
        using (var first = await api.GetAsync($"{StatusRoute}?blobPath={Uri.EscapeDataString(blobPath)}"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("pending", (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
            Assert.NotNull(first.Headers.RetryAfter?.Delta);
        }

        // Meanwhile an ordinary upload is served normally.
        var ordinary = await DirectAsync(await File.ReadAllBytesAsync(TestFixtures.CorpusFile("document.pdf")), "minutes.pdf", "application/pdf");
        Assert.Equal(HttpStatusCode.Created, ordinary.Status);

        // Waits on the state: the background check records its verdict, once.
        string? state = null;
        JsonElement body = default;
        Assert.True(
            await Eventually.WithinAsync(
                async () =>
                {
                    using var response = await api.GetAsync($"{StatusRoute}?blobPath={Uri.EscapeDataString(blobPath)}");
                    body = await response.Content.ReadFromJsonAsync<JsonElement>();
                    state = body.GetProperty("status").GetString();
                    return state != "pending";
                },
                TimeSpan.FromMinutes(2)),
            $"{name} was still pending. Host log:{Environment.NewLine}{host.App.HostLog}");
        Assert.Equal(shape.Clean ? "verified" : "rejected", state);
        if (!shape.Clean)
        {
            Assert.False(string.IsNullOrEmpty(body.GetProperty("reason").GetString()));
        }
    }

    private async Task<(HttpStatusCode Status, string Body)> DirectAsync(byte[] bytes, string fileName, string contentType)
    {
        using var api = host.CreateClient();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new(contentType);
        using var form = new MultipartFormDataContent { { file, "file", fileName } };
        using var response = await api.PostAsync(HttpRoutes.DirectPath, form);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> PresignedAsync(byte[] bytes, string fileName, string contentType)
    {
        using var api = host.CreateClient();
        using var storage = host.Azurite.CreateHttpClient();
        return (await PresignedUpload.UploadAsync(api, storage, bytes, fileName, contentType)).BlobPath;
    }
}
