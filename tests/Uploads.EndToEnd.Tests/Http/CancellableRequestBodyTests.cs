using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Uploads.Functions.Http;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>
/// A read of the request body cancelled by the invocation's token while it waits for bytes (the host cancels a slow
/// upload's invocation), then an answer: against a real Kestrel, the server must then drain the rest of the body and
/// serve the next request on the connection, with no error in its log. Kestrel's own body stream does not (the
/// second test pins why the direct upload reads through <see cref="CancellableRequestBody"/>).
/// </summary>
public sealed class CancellableRequestBodyTests
{
    private const string Head = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF";
    private const int BodyLength = 200;

    /// <summary>
    /// Sends a POST whose body stops after <see cref="Head"/>, lets the handler start a second read of it through
    /// <paramref name="bodyOf"/>, cancels that read while it waits, sends the rest of the body and a second request
    /// on the same connection; returns both answers and the server's errors.
    /// </summary>
    private static async Task<(string First, string Second, List<string> Errors)> CancelPendingReadAsync(Func<HttpRequest, Stream> bodyOf)
    {
        var logs = new ErrorLog();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(logs);
        await using var app = builder.Build();
        var pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();
        app.MapPost("/", async (HttpRequest request) =>
        {
            var body = bodyOf(request);
            var buffer = new byte[BodyLength];
            var head = 0;
            while (head < Head.Length)
            {
                head += await body.ReadAsync(buffer.AsMemory(head, Head.Length - head));
            }

            var read = body.ReadAsync(buffer, cancel.Token);
            Assert.False(read.IsCompleted, "The second read should wait for bytes the client has not sent.");
            pending.SetResult();
            try
            {
                await read;
                return Results.Text("read");
            }
            catch (OperationCanceledException)
            {
                return Results.Text("cancelled");
            }
        });
        app.MapGet("/", () => Results.Text("second"));
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());

        using var socket = new TcpClient();
        await socket.ConnectAsync(address.Host, address.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {BodyLength}\r\n\r\n{Head}"));
        await pending.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();
        var first = await ReadAnswerAsync(stream);

        string second;
        try
        {
            await stream.WriteAsync(new byte[BodyLength - Head.Length]);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            second = await ReadAnswerAsync(stream);
        }
        catch (IOException)
        {
            // The server closed the connection after the first answer.
            second = string.Empty;
        }

        await app.StopAsync();
        return (first, second, [.. logs.Errors]);
    }

    /// <summary>One answer with a short text body, or what came before the server closed the connection.</summary>
    private static async Task<string> ReadAnswerAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            var text = answer.ToString();
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 && text.Length >= end + 4 + ContentLengthOf(text))
            {
                break;
            }
        }

        return answer.ToString();
    }

    private static int ContentLengthOf(string head)
    {
        var line = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return line is null ? 0 : int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task ReadAsync_CancelledWhileWaiting_RequestDrainedAndConnectionServesTheNext()
    {
        var (first, second, errors) = await CancelPendingReadAsync(request => new CancellableRequestBody(request.BodyReader));

        Assert.StartsWith("HTTP/1.1 200", first, StringComparison.Ordinal);
        Assert.EndsWith("cancelled", first, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", second, StringComparison.Ordinal);
        Assert.EndsWith("second", second, StringComparison.Ordinal);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task KestrelBodyStream_CancelledWhileWaiting_ReadingAlreadyInProgressAndConnectionClosed()
    {
        var (first, second, errors) = await CancelPendingReadAsync(request => request.Body);

        Assert.EndsWith("cancelled", first, StringComparison.Ordinal);
        Assert.Equal(string.Empty, second);
        Assert.Contains(errors, e => e.Contains("Reading is already in progress.", StringComparison.Ordinal));
    }

    /// <summary>The server's log entries at Error and above, with their exceptions.</summary>
    private sealed class ErrorLog : ILoggerProvider
    {
        public ConcurrentQueue<string> Errors { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ErrorLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    log.Errors.Enqueue($"{category}[{eventId.Id}]: {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}
