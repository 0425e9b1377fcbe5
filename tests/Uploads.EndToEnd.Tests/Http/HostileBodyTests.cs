using System.Net.Sockets;
using System.Text;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>
/// Bodies that are too slow or shorter than announced. The host's own Kestrel refuses them while its proxy streams
/// them to the worker; the Functions host then turns the proxy's RequestBodyClient error into a 500 of its own
/// (azure-functions-host: DefaultHttpProxyService.EnsureSuccessfulForwardingAsync), which the emulator reproduces and
/// the app cannot change. What the app controls is pinned: nothing is stored, the worker answers 408/400 itself or
/// ends the cancelled invocation quietly, and logs no error.
/// </summary>
public sealed class HostileBodyTests(ApiHost host) : IClassFixture<ApiHost>
{
    /// <summary>An answer, and a refusal: an empty answer (nothing came back) fails as a success would.</summary>
    private const string Refused = @"^HTTP/1\.1 [45]\d\d ";

    private async Task<string> SendRawAsync(string contentLengthHeader, Func<NetworkStream, Task> sendBody, TimeSpan wait)
    {
        const string boundary = "hostile";
        var head = $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n";
        var request = $"POST /{HttpRoutes.DirectPath} HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nX-API-Key: {host.ApiKey}\r\n" +
            $"Content-Type: multipart/form-data; boundary={boundary}\r\n{contentLengthHeader}\r\n\r\n{head}";
        using var socket = new TcpClient();
        await socket.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        await sendBody(stream);
        using var timeout = new CancellationTokenSource(wait);
        var buffer = new byte[8192];
        var answer = new StringBuilder();
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
                if (answer.ToString().Contains("\r\n0\r\n\r\n", StringComparison.Ordinal) || answer.ToString().Contains('}', StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }

        return answer.ToString();
    }

    /// <summary>Waits until the worker has ended the invocations of the requests sent since <paramref name="ended"/> (its logs of them arrived first).</summary>
    private Task InvocationEndedAsync(int ended) =>
        Eventually.UntilAsync(() => host.App.Emulator.HttpInvocationsEnded > ended, TimeSpan.FromSeconds(30), $"the worker to end the invocation of the hostile request. Host log:{Environment.NewLine}{host.App.HostLog}");

    [Fact]
    public async Task Post_BodyTooSlow_RefusedAndNoErrorLogged()
    {
        var ended = host.App.Emulator.HttpInvocationsEnded;
        var answer = await SendRawAsync("Content-Length: 1000000", async stream =>
        {
            try
            {
                for (var i = 0; i < 12; i++)
                {
                    await stream.WriteAsync(new byte[10]);
                    await Task.Delay(1000);
                }
            }
            catch (IOException)
            {
                // The server gave up on the body and closed its side: its answer is read below.
            }
        }, TimeSpan.FromSeconds(20));

        Assert.Matches(Refused, answer);
        await InvocationEndedAsync(ended);
        Assert.Empty(WorkerErrors.Of(host.WorkerLogs));
    }

    [Fact]
    public async Task Post_ContentLengthLargerThanBody_NotStoredAndNoErrorLogged()
    {
        var stored = (await host.StoredAsync(ApiHost.ClientId + "/")).Count;
        var ended = host.App.Emulator.HttpInvocationsEnded;
        var answer = await SendRawAsync("Content-Length: 5000", async stream =>
        {
            await stream.WriteAsync(new byte[100]);
            stream.Socket.Shutdown(SocketShutdown.Send);
        }, TimeSpan.FromSeconds(20));

        // The host drops the connection without an answer (the client ended its side mid-body), or refuses it.
        Assert.DoesNotContain("HTTP/1.1 2", answer, StringComparison.Ordinal);
        await InvocationEndedAsync(ended);
        Assert.Equal(stored, (await host.StoredAsync(ApiHost.ClientId + "/")).Count);
        Assert.Empty(WorkerErrors.Of(host.WorkerLogs));
    }

    [Fact]
    public async Task Post_ContentLengthOverTheHostLimit_RefusedByTheHostAsInAzure()
    {
        // Over the host's 100 MB limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT) the host's Kestrel refuses the body its
        // proxy reads, and the Functions host answers 500 itself (azure-functions-host#10519) before the app can
        // answer 413. The emulator does the same, so the known limit shows here rather than after a deployment.
        var answer = await SendRawAsync("Content-Length: 104857601", _ => Task.CompletedTask, TimeSpan.FromSeconds(20));

        Assert.StartsWith("HTTP/1.1 500", answer, StringComparison.Ordinal);
        Assert.Empty(WorkerErrors.Of(host.WorkerLogs));
    }
}
