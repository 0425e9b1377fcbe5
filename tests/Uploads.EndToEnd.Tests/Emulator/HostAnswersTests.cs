using System.Net;
using System.Net.Sockets;
using System.Text;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// What the Functions host answers itself, outside the app's functions, as the emulator reproduces it (the real host
/// was run side by side with the built worker to pin these).
/// </summary>
public sealed class HostAnswersTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task GetRoot_HostsUpAndRunningPage()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.GetAsync("/");

        // The host's home page (not a 404): 200, HTML, "Your Functions 4.0 app is up and running".
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Your Functions 4.0 app is up and running", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostDirect_BodyTricklingAt600BytesPerSecond_201AsTheHost()
    {
        // 12 KB at 600 B/s, steady (60 bytes every 100 ms, about 20 s): above Kestrel's minimum body rate (240 B/s), so
        // the host takes it whole, slowly, and the app answers 201.
        const string boundary = "trickle";
        var content = new byte[12 * 1024 - 400];
        Random.Shared.NextBytes(content);
        "%PDF-1.7\n"u8.CopyTo(content);
        var body = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
            .Concat(content)
            .Concat(Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n"))
            .ToArray();
        var head = $"POST /{HttpRoutes.DirectPath} HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nX-API-Key: {host.ApiKey}\r\n" +
            $"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        using var socket = new TcpClient();
        await socket.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        for (var sent = 0; sent < body.Length; sent += 60)
        {
            await stream.WriteAsync(body.AsMemory(sent, Math.Min(60, body.Length - sent)));
            await Task.Delay(100);
        }

        using var reader = new StreamReader(stream, Encoding.ASCII);
        var answer = await reader.ReadToEndAsync();

        // The host forwards it as it comes; the emulator used to hold it in 4 KB bursts that the worker timed out (a reset).
        Assert.StartsWith("HTTP/1.1 201", answer, StringComparison.Ordinal);
    }
}
