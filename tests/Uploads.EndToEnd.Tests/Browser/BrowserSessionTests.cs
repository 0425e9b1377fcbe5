using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.BrowserSample;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Browser;

/// <summary>
/// The browser sample's backend sessions over real HTTP: ids only the server issues (a made-up or altered cookie is
/// replaced, so two browsers sending the same made-up cookie do not share uploads) and the cookie's attributes, on the
/// plain-HTTP origin of a local run and on an HTTPS origin (the sample on Kestrel with a test certificate).
/// </summary>
[Collection(BrowserSampleGroup.Name)]
public sealed class BrowserSessionTests(BrowserSampleHost host) : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>A client that sends exactly the cookie it is given (no cookie container).</summary>
    private HttpClient Client(HttpMessageHandler? handler = null, Uri? origin = null) =>
        new(handler ?? new HttpClientHandler { UseCookies = false }) { BaseAddress = origin ?? host.SampleOrigin };

    private static HttpRequestMessage Request(HttpMethod method, string path, string? cookie, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return request;
    }

    /// <summary>The cookie the answer set (name=value), or null.</summary>
    private static string? SetCookie(HttpResponseMessage response, string name = SampleUsers.HttpCookie) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.Where(v => v.StartsWith(name + "=", StringComparison.Ordinal)).Select(v => v.Split(';')[0]).SingleOrDefault()
            : null;

    /// <summary>Asks the backend for an upload URL with <paramref name="cookie"/> and stores a PNG with it; returns the path and the session cookie in force.</summary>
    private async Task<(string BlobPath, string Cookie)> UploadAsync(HttpClient client, string? cookie, string name)
    {
        using var issued = await client.SendAsync(Request(HttpMethod.Post, "/backend/upload-url", cookie, new { filename = name, contentType = "image/png" }));
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        var url = await issued.Content.ReadFromJsonAsync<JsonElement>();
        using var storage = host.Azurite.CreateHttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, url.GetProperty("uploadUrl").GetString()) { Content = new ByteArrayContent(await File.ReadAllBytesAsync(_files.FromCorpus("image.png", name))) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var stored = await storage.SendAsync(put);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        return (url.GetProperty("blobPath").GetString()!, SetCookie(issued) ?? cookie!);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string? cookie, string blobPath)
    {
        using var response = await client.SendAsync(Request(HttpMethod.Get, "/backend/upload-status?blobPath=" + Uri.EscapeDataString(blobPath), cookie));
        return response.StatusCode;
    }

    [Theory]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")] // the shape the sample used to accept as is
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // the shape it issues now, unsigned
    public async Task Backend_TwoClientsSendTheSameMadeUpCookie_EachGetsItsOwnSessionAndNoSharedUploads(string madeUp)
    {
        using var alice = Client();
        using var bob = Client();
        var fixedCookie = SampleUsers.HttpCookie + "=" + madeUp;

        var (blobPath, aliceCookie) = await UploadAsync(alice, fixedCookie, "fixed.png");
        using var bobFirst = await bob.SendAsync(Request(HttpMethod.Get, "/", fixedCookie));
        var bobCookie = SetCookie(bobFirst);

        Assert.NotNull(bobCookie);
        Assert.NotEqual(fixedCookie, aliceCookie);
        Assert.NotEqual(fixedCookie, bobCookie);
        Assert.NotEqual(aliceCookie, bobCookie);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(alice, aliceCookie, blobPath));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(bob, fixedCookie, blobPath)); // the made-up cookie owns nothing
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(bob, bobCookie, blobPath));
    }

    [Fact]
    public async Task Backend_TamperedCookie_ReplacedAndOwnsNothing()
    {
        using var client = Client();
        var (blobPath, cookie) = await UploadAsync(client, null, "tampered.png");
        var value = cookie[(SampleUsers.HttpCookie.Length + 1)..];
        var mac = value.IndexOf('.', StringComparison.Ordinal) + 1;
        var tampered = SampleUsers.HttpCookie + "=" + value[..mac] + (value[mac] == 'A' ? 'B' : 'A') + value[(mac + 1)..]; // one signature character changed

        using var response = await client.SendAsync(Request(HttpMethod.Get, "/backend/upload-status?blobPath=" + Uri.EscapeDataString(blobPath), tampered));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var replacement = SetCookie(response);
        Assert.NotNull(replacement);
        Assert.NotEqual(tampered, replacement);
        Assert.NotEqual(cookie, replacement);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, cookie, blobPath)); // the real cookie still owns it
        Assert.Contains("did not issue", host.SampleOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backend_IssuedCookieSentBack_KeptNotReissued()
    {
        using var client = Client();
        using var first = await client.SendAsync(Request(HttpMethod.Get, "/", null));
        var cookie = SetCookie(first);

        using var second = await client.SendAsync(Request(HttpMethod.Get, "/backend/upload-policy", cookie));

        Assert.NotNull(cookie);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Null(SetCookie(second));
        Assert.Equal(Uploads.Core.Policy.PublishedPolicy.MaxAge, second.Headers.CacheControl?.MaxAge); // the API's, passed on
        Assert.True(second.Headers.CacheControl?.Private);
    }

    [Fact]
    public async Task Backend_HttpOrigin_UnprefixedHttpOnlyStrictCookieWithoutSecure()
    {
        using var client = Client();

        using var response = await client.SendAsync(Request(HttpMethod.Get, "/", null));

        var header = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        var attributes = Attributes(header);
        Assert.StartsWith(SampleUsers.HttpCookie + "=", header, StringComparison.Ordinal);
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain("secure", attributes);
        Assert.DoesNotContain(attributes, a => a.StartsWith("domain", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Backend_HttpsOrigin_HostPrefixedSecureCookieAndThePlainOneIgnored()
    {
        var directory = Directory.CreateTempSubdirectory("uploads-sample-tls-");
        var (certificate, certificatePem, keyPem) = SelfSignedCertificate.CreatePemFiles(directory.FullName);
        try
        {
            HttpMessageHandler Trusting() => new HttpClientHandler
            {
                UseCookies = false,
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.RawData.AsSpan().SequenceEqual(certificate.RawData),
            };
            var environment = host.ApiEnvironment();
            environment["ASPNETCORE_Kestrel__Certificates__Default__Path"] = certificatePem;
            environment["ASPNETCORE_Kestrel__Certificates__Default__KeyPath"] = keyPem;
            var origin = new Uri($"https://127.0.0.1:{SampleProcess.FreePort()}");
            await using var sample = await SampleProcess.StartAsync(origin, environment, Trusting);
            using var client = Client(Trusting(), origin);

            using var response = await client.SendAsync(Request(HttpMethod.Get, "/", SampleUsers.HttpCookie + "=0123456789ABCDEF0123456789ABCDEF"));

            var header = Assert.Single(response.Headers.GetValues("Set-Cookie"));
            var attributes = Attributes(header);
            Assert.StartsWith(SampleUsers.HttpsCookie + "=", header, StringComparison.Ordinal);
            Assert.Contains("secure", attributes);
            Assert.Contains("httponly", attributes);
            Assert.Contains("samesite=strict", attributes);
            Assert.Contains("path=/", attributes); // __Host-: Secure, Path=/ and no Domain, or browsers drop it
            Assert.DoesNotContain(attributes, a => a.StartsWith("domain", StringComparison.Ordinal));
        }
        finally
        {
            certificate.Dispose();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The attributes after name=value, lower case, trimmed.</summary>
    private static string[] Attributes(string setCookie) =>
        [.. setCookie.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant())];
}
