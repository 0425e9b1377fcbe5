using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Logging;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Emulator;

/// <summary>
/// What only the real worker shows (found when the in-process dev host was replaced by the emulator): its logs to
/// the host, and how it treats a client that goes away while the host cancels the invocation.
/// </summary>
public sealed class WorkerBehaviourTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Requests_FrameworkInformationLogs_NotSentToTheHost()
    {
        using var api = host.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            using var url = await api.PostAsJsonAsync(HttpRoutes.UploadUrlPath, new { filename = "a.pdf", contentType = "application/pdf" });
            Assert.Equal(HttpStatusCode.OK, url.StatusCode);
            using var missing = await api.GetAsync(HttpRoutes.StatusOf("acme/none/a.pdf"));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var framework = host.WorkerLogs
            .Where(l => l.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && l.Level < LogLevel.Warning)
            .Select(l => $"{l.Level} {l.Category}: {l.Message}")
            .ToList();
        Assert.Empty(framework);
        Assert.Contains(host.WorkerLogs, l => l.Category.StartsWith("Uploads.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DirectUpload_ClientGoesAwayMidBody_NoErrorLoggedAndNoAnswerAttempted()
    {
        var before = host.WorkerLogs.Count;
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        using var content = new MultipartFormDataContent
        {
            { new StreamContent(new StallingStream(Encoding.ASCII.GetBytes("%PDF-1.7\n") .Concat(new byte[512 * 1024]).ToArray())), "file", "big.pdf" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, HttpRoutes.DirectPath) { Content = content };
        request.Headers.Add("X-API-Key", host.ApiKey);
        using var gone = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(request, gone.Token));

        // The worker hears of it through the host's InvocationCancel and the dead connection.
        await Eventually.WithinAsync(() => host.WorkerLogs.Skip(before).Any(l => l.Message.Contains("went away", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));

        var after = host.WorkerLogs.Skip(before).ToList();
        Assert.Contains(after, l => l.Message.Contains("DirectUpload: the client went away", StringComparison.Ordinal));
        Assert.Empty(WorkerErrors.Of(after));
        Assert.DoesNotContain("(Failed", host.App.HostLog, StringComparison.Ordinal);
    }

    /// <summary>Sends its bytes, then waits for ever (until the request is cancelled): a client that stops sending.</summary>
    private sealed class StallingStream(byte[] head) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < head.Length)
            {
                var count = Math.Min(buffer.Length, head.Length - _position);
                head.AsMemory(_position, count).CopyTo(buffer);
                _position += count;
                return count;
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
