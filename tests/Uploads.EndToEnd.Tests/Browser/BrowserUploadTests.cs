using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Browser;

/// <summary>
/// The browser upload page (samples/Uploads.BrowserSample) in a real headless Chromium (Debian's chromium driven
/// by playwright-core): page on the sample's origin, API through the sample's backend, blocks straight to Azurite,
/// whose CORS rule is the template's (infra/app/storage-cors.json) for that origin only.
/// </summary>
[Collection(BrowserSampleGroup.Name)]
public sealed class BrowserUploadTests : IDisposable
{
    private const int BlockSize = 256 * 1024;
    private readonly TestFiles _files = new();
    private readonly BrowserSampleHost host;

    public BrowserUploadTests(BrowserSampleHost host, Xunit.Abstractions.ITestOutputHelper output)
    {
        this.host = host;
        host.Output = output;
    }

    public void Dispose() => _files.Dispose();

    private Task<JsonElement> DriveAsync(string scenario, string[] files, Uri? origin = null, int parallel = 3, int letBlocks = 0, bool audit = false) =>
        host.DriveAsync(new
        {
            audit,
            chromium = BrowserSampleHost.Chromium,
            page = new Uri(origin ?? host.SampleOrigin, $"/?blockSize={BlockSize}&parallel={parallel}").ToString(),
            files,
            scenario,
            letBlocks,
            secret = host.ApiKey,
            timeoutMs = 60_000,
            // "localhost" is another origin than 127.0.0.1 for CORS; both reach the same loopback listener.
            args = new[] { "--host-resolver-rules=MAP localhost 127.0.0.1" },
        });

    private static JsonElement Row(JsonElement phase, string name) =>
        phase.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);

    private static JsonElement[] Requests(JsonElement phase, string kind) =>
        [.. phase.GetProperty("requests").EnumerateArray().Where(r => r.GetProperty("kind").GetString() == kind)];

    private static bool Created(JsonElement request) => request.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number && s.GetInt32() == 201;

    private async Task<byte[]> StoredAsync(string fileName)
    {
        await foreach (var blob in host.Uploads.GetBlobsAsync())
        {
            if (blob.Name.EndsWith("/" + fileName, StringComparison.Ordinal))
            {
                var content = await host.Uploads.GetBlobClient(blob.Name).DownloadContentAsync();
                return content.Value.Content.ToArray();
            }
        }

        return [];
    }

    /// <summary>The SHA-256 the verdict of the stored <paramref name="fileName"/> records (the page declared it with its URL request); null when none.</summary>
    private async Task<string?> VerdictSha256Async(string fileName)
    {
        await foreach (var blob in host.Uploads.GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Tags }))
        {
            if (blob.Name.EndsWith("/" + fileName, StringComparison.Ordinal))
            {
                return blob.Tags?.TryGetValue("sha256", out var sha256) == true ? sha256 : null;
            }
        }

        return null;
    }

    [Fact]
    public async Task Page_PngAndMultiBlockText_ProgressThenVerifiedShown()
    {
        var png = _files.FromCorpus("image.png", "photo.png");
        var text = _files.CreateText("notes.txt", (3 * 1024 * 1024) + 1000); // 13 blocks of 256 KiB

        var report = await DriveAsync("upload", [png, text]);

        var phase = report.GetProperty("phases")[0];
        Assert.Equal("verified", Row(phase, "photo.png").GetProperty("state").GetString());
        Assert.Equal("verified", Row(phase, "notes.txt").GetProperty("state").GetString());
        Assert.StartsWith("verified as image/png", Row(phase, "photo.png").GetProperty("text").GetString(), StringComparison.Ordinal);

        // Progress events per file, growing to the file's size.
        foreach (var (name, path) in new[] { ("photo.png", png), ("notes.txt", text) })
        {
            var events = phase.GetProperty("progress").GetProperty(name).EnumerateArray().Select(e => (Loaded: e[0].GetInt64(), Total: e[1].GetInt64())).ToArray();
            Assert.True(events.Length >= 2, $"{name}: {events.Length} progress events");
            Assert.All(events, e => Assert.Equal(new FileInfo(path).Length, e.Total));
            Assert.Equal(new FileInfo(path).Length, events[^1].Loaded);
            Assert.True(events.Zip(events.Skip(1)).All(p => p.Second.Loaded >= p.First.Loaded), name + ": progress went back");
        }

        // Small file: one Put Blob. Large file: 13 Put Block with distinct ids of one length, then one Put Block List.
        Assert.Single(Requests(phase, "blob"), Created);
        var blocks = Requests(phase, "block");
        Assert.Equal(13, blocks.Length);
        Assert.All(blocks, b => Assert.True(Created(b), b.ToString()));
        var ids = blocks.Select(b => b.GetProperty("blockId").GetString()!).ToArray();
        Assert.Equal(13, ids.Distinct().Count());
        Assert.Single(ids.Select(i => i.Length).Distinct());
        Assert.Single(Requests(phase, "blocklist"), Created);

        Assert.Equal(await File.ReadAllBytesAsync(text), await StoredAsync("notes.txt"));
        Assert.Equal(await File.ReadAllBytesAsync(png), await StoredAsync("photo.png"));
        Assert.False(report.GetProperty("secretSeen").GetBoolean(), "the API key reached the browser");
    }

    [Fact]
    public async Task Page_ReloadedMidUpload_ResumeSendsOnlyTheMissingBlocks()
    {
        var text = _files.CreateText("resumed.txt", 3 * 1024 * 1024); // 12 blocks

        var report = await DriveAsync("resume", [text], parallel: 2, letBlocks: 4);

        var (first, second) = (report.GetProperty("phases")[0], report.GetProperty("phases")[1]);
        var firstIds = Requests(first, "block").Where(Created).Select(b => b.GetProperty("blockId").GetString()).ToHashSet();
        Assert.Equal(4, firstIds.Count);
        Assert.Empty(Requests(first, "blocklist"));

        // After the reload the page renewed the URL through the backend, which reported the 4 staged blocks...
        var renewal = Assert.Single(report.GetProperty("renewals").EnumerateArray());
        Assert.Equal(200, renewal.GetProperty("status").GetInt32());
        Assert.Equal(4, renewal.GetProperty("body").GetProperty("stagedBlocks").GetArrayLength());

        // ...and sent only the 8 others, then committed all 12.
        var secondIds = Requests(second, "block").Where(Created).Select(b => b.GetProperty("blockId").GetString()).ToArray();
        Assert.Equal(8, secondIds.Length);
        Assert.Empty(secondIds.Intersect(firstIds));
        Assert.Single(Requests(second, "blocklist"), Created);
        var row = Row(second, "resumed.txt");
        Assert.Equal("verified", row.GetProperty("state").GetString());

        // The rate counts only the bytes this run sent: the 4 stored blocks show in the bar, not in the rate.
        var progress = second.GetProperty("progress").GetProperty("resumed.txt").EnumerateArray().ToArray();
        var stored = 4L * BlockSize;
        Assert.Equal((stored, 0L), (progress[0][0].GetInt64(), progress[0][2].GetInt64()));
        Assert.StartsWith("33 % · 1 MiB of 3 MiB", progress[0][3].GetString(), StringComparison.Ordinal);
        Assert.Equal((3L * 1024 * 1024, (3L * 1024 * 1024) - stored), (progress[^1][0].GetInt64(), progress[^1][2].GetInt64()));
        Assert.Contains(second.GetProperty("states").EnumerateArray(), s => s[1].GetString() == "uploading");
        Assert.Equal(await File.ReadAllBytesAsync(text), await StoredAsync("resumed.txt"));
    }

    [Fact]
    public async Task Page_OriginTheCorsRuleLacks_PutFailsInTheBrowser()
    {
        var png = _files.FromCorpus("image.png", "elsewhere.png");
        var otherOrigin = new Uri($"http://localhost:{host.SamplePort}");

        var report = await DriveAsync("upload", [png], otherOrigin);

        var phase = report.GetProperty("phases")[0];
        var row = Row(phase, "elsewhere.png");
        Assert.Equal("error", row.GetProperty("state").GetString());
        Assert.Contains("CORS", row.GetProperty("text").GetString(), StringComparison.Ordinal);
        var puts = Requests(phase, "blob");
        Assert.NotEmpty(puts);
        Assert.All(puts, p => Assert.True(p.TryGetProperty("failure", out _), p.ToString()));
        Assert.Empty(await StoredAsync("elsewhere.png"));
    }

    /// <summary>axe-core's violations of each audit the driver ran, as readable lines (empty: none).</summary>
    private static string[] Violations(JsonElement report) =>
        [.. report.GetProperty("audits").EnumerateArray().SelectMany(a => a.GetProperty("violations").EnumerateArray()
            .Select(v => $"{a.GetProperty("when").GetString()}: {v.GetProperty("id").GetString()} ({v.GetProperty("impact")}) {v.GetProperty("help").GetString()} at {string.Join(", ", v.GetProperty("nodes").EnumerateArray())}"))];

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.ToString())];

    [Fact]
    public async Task Page_Loaded_NoAccessibilityViolationsNoConsoleErrorsNoFailedRequestsAndThePolicysTable()
    {
        var report = await DriveAsync("upload", [], audit: true);

        var phase = report.GetProperty("phases")[0];
        Assert.Single(report.GetProperty("audits").EnumerateArray());
        Assert.Empty(Violations(report));
        Assert.Empty(Strings(phase.GetProperty("consoleErrors")));
        Assert.Empty(Strings(phase.GetProperty("failedResponses")));

        // The table is the API's policy, row for row (the page keeps no copy).
        var rows = phase.GetProperty("policyRows").EnumerateArray().Select(r => (Type: r[0].GetString(), Kind: r[1].GetString(), Endings: r[2].GetString())).ToArray();
        Assert.Equal(
            Uploads.Policy.UploadPolicy.AllowedTypes.Select(t => (Type: (string?)t.MediaType, Kind: (string?)Uploads.Core.Policy.PublishedPolicy.CategoryName(t.Category), Endings: (string?)string.Join(' ', t.Extensions))),
            rows);
        var summary = phase.GetProperty("allowedSummary").GetString()!;
        Assert.Contains("document up to", summary, StringComparison.Ordinal);
        Assert.Contains(".pdf", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_VerifiedAndCheckRefusedFiles_NamedBarsFiguresVerdictsAnnouncedNoViolationsNoConsoleErrors()
    {
        var png = _files.FromCorpus("image.png", "photo.png");
        var text = _files.CreateText("server.log", (1024 * 1024) + 10); // 5 blocks; the page declares text/plain from .log
        var fake = _files.CreateText("fake.png", 600); // text named .png: refused by the check after the upload

        var report = await DriveAsync("upload", [png, text, fake], audit: true);

        Assert.Equal(2, report.GetProperty("audits").GetArrayLength());
        Assert.Empty(Violations(report));
        var phase = report.GetProperty("phases")[0];
        Assert.Empty(Strings(phase.GetProperty("consoleErrors")));
        Assert.Empty(Strings(phase.GetProperty("failedResponses")));

        foreach (var (name, path) in new[] { ("photo.png", png), ("server.log", text) })
        {
            var row = Row(phase, name);
            Assert.Equal("verified", row.GetProperty("state").GetString());
            var bar = row.GetProperty("bar");
            Assert.Equal("Upload of " + name, bar.GetProperty("label").GetString());
            Assert.False(bar.GetProperty("hidden").GetBoolean());
            Assert.Equal(100, bar.GetProperty("value").GetDouble());
            Assert.StartsWith("100 % · ", row.GetProperty("stats").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal("1.0 MiB of 1.0 MiB", Row(phase, "server.log").GetProperty("stats").GetString()!.Split(" · ")[1]);

        // The page declared each file's SHA-256 (Web Crypto) with its URL request: the verdict records exactly that digest.
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(await File.ReadAllBytesAsync(png))), await VerdictSha256Async("photo.png"));
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(await File.ReadAllBytesAsync(text))), await VerdictSha256Async("server.log"));
        Assert.StartsWith("verified as text/plain", Row(phase, "server.log").GetProperty("text").GetString(), StringComparison.Ordinal);

        // Refused: said in words, no bar (a full bar reads as success).
        var refused = Row(phase, "fake.png");
        Assert.Equal("rejected", refused.GetProperty("state").GetString());
        Assert.StartsWith("refused: ", refused.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.True(refused.GetProperty("bar").GetProperty("hidden").GetBoolean());
        var length = new FileInfo(fake).Length;
        Assert.Equal($"{length} B of {length} B sent.", refused.GetProperty("stats").GetString());

        // Each verdict announced once in the polite live region, with the file's name and what the row says.
        var announced = Strings(phase.GetProperty("announcements"));
        Assert.Equal(3, announced.Length);
        foreach (var name in new[] { "photo.png", "server.log", "fake.png" })
        {
            Assert.Equal($"{name}: {Row(phase, name).GetProperty("text").GetString()}", Assert.Single(announced, a => a.StartsWith(name + ":", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task Page_FileTheApiRefusesOutright_ShownRefusedWithTheApisReasonNothingSentNoViolations()
    {
        var exe = _files.FromCorpus("binary-pe.exe", "tool.exe");

        var report = await DriveAsync("upload", [exe], audit: true);

        Assert.Empty(Violations(report));
        var phase = report.GetProperty("phases")[0];
        var row = Row(phase, "tool.exe");
        Assert.Equal("rejected", row.GetProperty("state").GetString());
        Assert.StartsWith("refused: ", row.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.True(row.GetProperty("bar").GetProperty("hidden").GetBoolean());
        Assert.Equal("Nothing was sent.", row.GetProperty("stats").GetString());
        Assert.Equal($"tool.exe: {row.GetProperty("text").GetString()}", Assert.Single(Strings(phase.GetProperty("announcements"))));
        Assert.Empty(Requests(phase, "blob"));

        // The only failed answer is the refusal itself (Chromium logs it to the console as a failed resource).
        var failed = Assert.Single(phase.GetProperty("failedResponses").EnumerateArray());
        Assert.EndsWith("/backend/upload-url", failed.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.Equal(415, failed.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Page_KeyboardOnly_TabReachesTheInputSpaceOpensTheChooserFileUploaded()
    {
        var png = _files.FromCorpus("image.png", "typed.png");

        var report = await DriveAsync("keyboard", [png], audit: true);

        Assert.Equal(1, report.GetProperty("tabs").GetInt32()); // the first thing Tab reaches
        Assert.Equal("verified", Row(report.GetProperty("phases")[0], "typed.png").GetProperty("state").GetString());
        Assert.Empty(Violations(report));
    }

    [Fact]
    public async Task Page_FileDroppedOnTheZoneWithoutAType_TypeFromThePolicyAndVerified()
    {
        var png = _files.FromCorpus("image.png", "dropped.png");

        var report = await DriveAsync("drop", [png]); // a File made in the page: type ""

        var row = Row(report.GetProperty("phases")[0], "dropped.png");
        Assert.Equal("verified", row.GetProperty("state").GetString());
        Assert.StartsWith("verified as image/png", row.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(png), await StoredAsync("dropped.png"));
    }

    [Fact]
    public async Task Page_Sha256Hook_TheFilesDigestInBase64AsDotnetComputesIt()
    {
        var png = _files.FromCorpus("image.png", "hashed.png");
        var empty = _files.Create("empty.txt", 0);

        var report = await DriveAsync("sha256", [png, empty]);

        var digests = report.GetProperty("sha256");
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(png))), digests.GetProperty("hashed.png").GetString());
        Assert.Equal("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", digests.GetProperty("empty.txt").GetString());
    }

    [Theory]
    [InlineData("PUT", "content-type,x-ms-blob-type,x-ms-version,x-ms-client-request-id")]
    [InlineData("PUT", "content-md5")]
    public async Task StoragePreflight_SampleOrigin_AllowedWithTheTemplatesRule(string method, string headers)
    {
        using var response = await PreflightAsync(host.SampleOrigin.GetLeftPart(UriPartial.Authority), method, headers);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(host.SampleOrigin.GetLeftPart(UriPartial.Authority), response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("PUT", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Equal("3600", response.Headers.GetValues("Access-Control-Max-Age").Single());
    }

    [Theory]
    [InlineData("http://localhost", "PUT", "x-ms-blob-type")] // another origin
    [InlineData(null, "GET", "")] // the sample's origin, a method the rule lacks
    [InlineData(null, "PUT", "authorization")] // a header the rule lacks
    public async Task StoragePreflight_OutsideTheRule_Refused(string? origin, string method, string headers)
    {
        using var response = await PreflightAsync(origin is null ? host.SampleOrigin.GetLeftPart(UriPartial.Authority) : $"{origin}:{host.SamplePort}", method, headers);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private async Task<HttpResponseMessage> PreflightAsync(string origin, string method, string headers)
    {
        using var http = host.Azurite.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, new Uri($"{host.Azurite.BlobServiceUri.ToString().TrimEnd('/')}/uploads/acme/some/file.png"));
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        if (headers.Length > 0)
        {
            request.Headers.Add("Access-Control-Request-Headers", headers);
        }

        return await http.SendAsync(request);
    }

    [Fact]
    public async Task Backend_RenewOrStatusOfAnotherSessionsUpload_404AndTheKeyStaysServerSide()
    {
        using var alice = new HttpClient { BaseAddress = host.SampleOrigin };
        using var bob = new HttpClient { BaseAddress = host.SampleOrigin };

        using var issued = await alice.PostAsJsonAsync("/backend/upload-url", new { filename = "a.png", contentType = "image/png" });
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        var body = await issued.Content.ReadAsStringAsync();
        Assert.DoesNotContain(host.ApiKey, body, StringComparison.Ordinal);
        var url = JsonDocument.Parse(body).RootElement;
        var blobPath = url.GetProperty("blobPath").GetString()!;
        using (var storage = host.Azurite.CreateHttpClient())
        {
            Assert.Equal(HttpStatusCode.Created, await PresignedUpload.PutAsync(storage, new Uri(url.GetProperty("uploadUrl").GetString()!), await File.ReadAllBytesAsync(_files.FromCorpus("image.png", "a.png"))));
        }

        using var renew = await bob.PostAsJsonAsync("/backend/upload-url", new { blobPath });
        using var status = await bob.GetAsync("/backend/upload-status?blobPath=" + Uri.EscapeDataString(blobPath));
        using var own = await alice.GetAsync("/backend/upload-status?blobPath=" + Uri.EscapeDataString(blobPath));

        Assert.Equal(HttpStatusCode.NotFound, renew.StatusCode);
        Assert.Equal("application/problem+json", renew.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(blobPath, JsonDocument.Parse(await own.Content.ReadAsStringAsync()).RootElement.GetProperty("blobPath").GetString());
    }
}
