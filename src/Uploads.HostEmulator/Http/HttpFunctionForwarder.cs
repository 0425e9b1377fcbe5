using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Rpc;
using Uploads.HostEmulator.Worker;
using Yarp.ReverseProxy.Forwarder;

namespace Uploads.HostEmulator.Http;

/// <summary>
/// Runs an HTTP-triggered function the way the host does with a worker that declares the <c>HttpUri</c> capability
/// (the ASP.NET Core integration): the raw request is forwarded to the worker's own HTTP server with the
/// <c>x-ms-invocation-id</c> header, forwarding starts BEFORE the InvocationRequest is sent (the worker pairs the two
/// and waits only seconds for either), and the request body streams through, never buffered. The worker writes the
/// response itself; the InvocationResponse only says whether the function succeeded.
/// </summary>
internal sealed partial class HttpFunctionForwarder : IDisposable
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    private readonly IHttpForwarder _forwarder;
    private readonly FunctionInvoker _invoker;
    private readonly Uri _workerHttpUri;
    private readonly ILogger _logger;
    private readonly HttpMessageInvoker _client;
    private readonly ForwarderRequestConfig _config = new() { ActivityTimeout = TimeSpan.FromSeconds(240) };
    private readonly Func<string, CancellationToken, Task>? _beforeInvocation;
    private int _ended;

    /// <param name="beforeInvocation">See <see cref="Configuration.EmulatorOptions.BeforeHttpInvocation"/>.</param>
    public HttpFunctionForwarder(IHttpForwarder forwarder, FunctionInvoker invoker, Uri workerHttpUri, ILogger logger, Func<string, CancellationToken, Task>? beforeInvocation = null)
    {
        _beforeInvocation = beforeInvocation;
        _forwarder = forwarder;
        _invoker = invoker;
        _workerHttpUri = workerHttpUri;
        _logger = logger;
        _client = new HttpMessageInvoker(new PacedBodyHandler(new ConnectRetryHandler(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        })));
    }

    /// <summary>Invocations ended so far: the worker answered them (its logs of them came first), or could not run them.</summary>
    public int Invocations => Volatile.Read(ref _ended);

    /// <summary>Runs <paramref name="function"/> for the request; true when the host answered itself (a bare 500), not the worker.</summary>
    public async Task<bool> InvokeAsync(HttpContext http, WorkerFunction function)
    {
        ArgumentNullException.ThrowIfNull(http);
        var invocationId = Guid.NewGuid().ToString();
        http.Request.Headers[InvocationIdHeader] = invocationId;

        var forwarding = _forwarder.SendAsync(http, _workerHttpUri.AbsoluteUri, _client, _config, HttpTransformer.Default).AsTask();

        // A request that could not be forwarded (its body refused by this front: too large, too slow, short) never
        // reaches the worker, which would wait 15 s for it and log an error: cancel the invocation instead.
        // (The Functions host leaves it to that timeout; this is a deliberate difference, see README.)
        _ = forwarding.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully && t.Result != ForwarderError.None)
                {
                    _invoker.Cancel(invocationId);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        InvocationResponse? result = null;
        try
        {
            if (_beforeInvocation is { } wait)
            {
                await wait(function.Name, http.RequestAborted).ConfigureAwait(false);
            }

            result = await _invoker.InvokeAsync(
                function,
                invocationId,
                [new ParameterBinding { Name = function.Trigger.Name, Data = new TypedData { Http = new RpcHttp() } }],
                triggerMetadata: null,
                http.RequestAborted).ConfigureAwait(false);
        }
        catch (WorkerUnavailableException ex)
        {
            Log.WorkerGone(_logger, function.Name, ex.Message);
        }
        finally
        {
            Interlocked.Increment(ref _ended);
        }

        var error = await forwarding.ConfigureAwait(false);
        if (http.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        var failed = result is null || result.Result.Status != StatusResult.Types.Status.Success;
        if (failed)
        {
            Log.InvocationFailed(_logger, function.Name, invocationId, result?.Result.Status.ToString() ?? "no answer", result?.Result.Exception?.Message ?? string.Empty);
        }

        if (error != ForwarderError.None)
        {
            Log.ForwardingFailed(_logger, function.Name, invocationId, error.ToString(), http.GetForwarderErrorFeature()?.Exception?.Message ?? string.Empty);
        }

        // The host answers a failed invocation with a bare 500 when the worker has not started a response.
        if ((failed || error != ForwarderError.None) && !http.Response.HasStarted)
        {
            http.Response.Clear();
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return true;
        }

        return false;
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// Retries sending to the worker when the connection fails (its HTTP server may not listen yet, right after
    /// start-up): 10 attempts, 50 ms doubling to 250 ms, as the host's proxy does. Only failures before a response.
    /// </summary>
    private sealed class ConnectRetryHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private const int MaxAttempts = 10;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var delay = TimeSpan.FromMilliseconds(50);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException ex) when (attempt < MaxAttempts && ex.HttpRequestError == HttpRequestError.ConnectionError)
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
                }
            }
        }
    }

    /// <summary>
    /// Passes the request body on to the worker as it arrives, chunk by chunk. Without this the HTTP client keeps what
    /// the forwarder writes in its connection buffer until 4 KB are there (the forwarder flushes only gRPC bodies), so
    /// a client that sends slowly but steadily (600 B/s, well above Kestrel's 240 B/s minimum) reaches the worker in
    /// bursts seconds apart, and the worker's Kestrel times the body out (408, and the client sees a reset). The host
    /// lets such a client finish; with each chunk flushed the worker sees the client's own pace, and a client too slow
    /// for the host is still refused by the front's own minimum rate.
    /// </summary>
    private sealed class PacedBodyHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is { } content)
            {
                request.Content = new FlushingContent(content);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The body of <paramref name="inner"/> (same headers), written through a stream that flushes after every write.</summary>
    private sealed class FlushingContent : HttpContent
    {
        private readonly HttpContent _inner;

        public FlushingContent(HttpContent inner)
        {
            _inner = inner;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var flushing = new FlushingStream(stream);
            await _inner.CopyToAsync(flushing, context, cancellationToken).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Writes to <paramref name="inner"/> and flushes it after every write; does not own it.</summary>
    private sealed class FlushingStream(Stream inner) : WriteOnlyStream(inner)
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            Inner.Write(buffer, offset, count);
            Inner.Flush();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            await Inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7201, EventName = "InvocationFailed", Level = LogLevel.Error, Message = "Executed 'Functions.{FunctionName}' (Failed, Id={InvocationId}, Status={Status}) {Exception}")]
        public static partial void InvocationFailed(ILogger logger, string functionName, string invocationId, string status, string exception);

        [LoggerMessage(EventId = 7202, EventName = "ForwardingFailed", Level = LogLevel.Warning, Message = "Forwarding the request of 'Functions.{FunctionName}' (Id={InvocationId}) to the worker failed: {Error} {Exception}")]
        public static partial void ForwardingFailed(ILogger logger, string functionName, string invocationId, string error, string exception);

        [LoggerMessage(EventId = 7203, EventName = "WorkerGone", Level = LogLevel.Error, Message = "'Functions.{FunctionName}' could not run: {Reason}")]
        public static partial void WorkerGone(ILogger logger, string functionName, string reason);
    }
}
