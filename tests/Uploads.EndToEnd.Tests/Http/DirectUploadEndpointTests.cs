using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary><c>POST /api/integrations/uploads/direct</c> over real HTTP, with and without Content-Length.</summary>
public sealed class DirectUploadEndpointTests(ApiHost host) : IClassFixture<ApiHost>
{
    private const string Route = "/" + HttpRoutes.DirectPath;
    private const int Cap = 10 * 1024 * 1024;

    private static byte[] Pdf(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    private static MultipartFormDataContent Form(byte[] content, string fileName = "small-file.pdf")
    {
        return new MultipartFormDataContent { { new ByteArrayContent(content), "file", fileName } };
    }

    private async Task<int> ClientBlobCountAsync() => (await host.StoredAsync(ApiHost.OtherClientId + "/")).Count;

    [Fact]
    public async Task Post_SmallFile_201WithLocationAndBody()
    {
        using var http = host.CreateClient();

        using var response = await http.PostAsync(Route, Form(Pdf(123_456)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["blobPath", "sizeBytes", "contentType"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(123_456, body.GetProperty("sizeBytes").GetInt64());
        Assert.Equal("application/pdf", body.GetProperty("contentType").GetString());
        Assert.Equal("/" + HttpRoutes.StatusOf(body.GetProperty("blobPath").GetString()!), response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    // Bytes that are no PDF in a body under the early 413's framing allowance (curl -F file=@big.pdf): the size
    // still wins over the type.
    [InlineData(true, false)]
    [InlineData(false, false)]
    public async Task Post_OverTenMegabytes_413AndNoBlob(bool sendContentLength, bool pdfHeader)
    {
        using var http = host.CreateClient(host.OtherApiKey);
        var before = await ClientBlobCountAsync();
        var bytes = pdfHeader ? Pdf(Cap + 1) : RandomNumberGenerator.GetBytes(11_000_000);
        HttpContent content = Form(bytes, "big.pdf");
        if (!sendContentLength)
        {
            content = new StreamContent(await content.ReadAsStreamAsync()) { Headers = { ContentType = content.Headers.ContentType } };
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, Route) { Content = content };
        request.Headers.TransferEncodingChunked = !sendContentLength;
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/" + HttpRoutes.UploadUrlPath, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await ClientBlobCountAsync());
    }

    [Fact]
    public async Task Post_ClientDisconnectsMidUpload_NoBlob()
    {
        var before = await ClientBlobCountAsync();
        var ended = host.App.Emulator.HttpInvocationsEnded;
        var boundary = "disconnect-boundary";
        var head = Encoding.ASCII.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"abandoned.pdf\"\r\nContent-Type: application/pdf\r\n\r\n");
        var request = Encoding.ASCII.GetBytes(
            $"POST {Route} HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nX-API-Key: {host.OtherApiKey}\r\n" +
            $"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {head.Length + 9_000_000 + 50}\r\n\r\n");

        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(request);
            await stream.WriteAsync(head);
            await stream.WriteAsync(Pdf(6_000_000));
            await stream.FlushAsync();
            socket.Client.LingerState = new LingerOption(true, 0);
        }

        // Once the worker has ended the invocation (it saw the reset and unwound), nothing may have been committed.
        await Eventually.UntilAsync(() => host.App.Emulator.HttpInvocationsEnded > ended, TimeSpan.FromSeconds(30), "the worker to end the abandoned upload's invocation");
        Assert.Equal(before, await ClientBlobCountAsync());
    }

    [Fact]
    public async Task Post_NotMultipart_400()
    {
        using var http = host.CreateClient();

        using var response = await http.PostAsJsonAsync(Route, new { file = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Post_NoApiKey_401()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.PostAsync(Route, Form(Pdf(100)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Post_PartTypeContradictsExtension_415()
    {
        using var http = host.CreateClient();
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(Pdf(100));
        part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(part, "file", "report.pdf");

        using var response = await http.PostAsync(Route, form);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    /// <summary>A multipart body whose file part has exactly <paramref name="disposition"/> (raw bytes: what a hostile client sends).</summary>
    private async Task<HttpResponseMessage> PostRawPartAsync(byte[] disposition)
    {
        const string boundary = "raw-part-boundary";
        using var body = new MemoryStream();
        body.Write(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "));
        body.Write(disposition);
        body.Write(Encoding.ASCII.GetBytes("\r\nContent-Type: application/pdf\r\n\r\n"));
        body.Write(Pdf(100));
        body.Write(Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n"));
        var content = new ByteArrayContent(body.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
        using var http = host.CreateClient();
        return await http.PostAsync(Route, content);
    }

    [Fact]
    public async Task Post_FilenameNotUtf8_403()
    {
        // "caf\xE9.pdf": Latin-1 bytes, not UTF-8 (was stored as "caf\uFFFD.pdf" with 201).
        using var response = await PostRawPartAsync([.. "filename=\"caf"u8, 0xE9, .. ".pdf\""u8]);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("UTF-8", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_FilenameStarNotUtf8_403()
    {
        using var response = await PostRawPartAsync("filename*=UTF-8''caf%E9.pdf"u8.ToArray());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Post_TwoFilenameParameters_400()
    {
        using var response = await PostRawPartAsync("filename=\"a.pdf\"; filename=\"b.pdf\""u8.ToArray());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("ambiguous_filename", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_InvisibleFilename_403()
    {
        using var response = await PostRawPartAsync("filename=\"\u3164.pdf\""u8.ToArray());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
