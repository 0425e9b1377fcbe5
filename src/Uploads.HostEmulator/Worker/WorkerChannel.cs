using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using GrpcException = Grpc.Core.RpcException;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Rpc;

namespace Uploads.HostEmulator.Worker;

/// <summary>
/// The host's end of one worker's <c>EventStream</c>: writes go through one queue (a gRPC stream has one writer),
/// responses are matched to their requests (init and metadata by message type, loads by function id, invocations
/// by invocation id), and the worker's <c>RpcLog</c> messages are relayed to the log.
/// </summary>
internal sealed partial class WorkerChannel(string workerId, ILogger logger, Action<WorkerLogEntry>? onWorkerLog)
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new(StringComparer.Ordinal);
    private int _attached;

    public string WorkerId { get; } = workerId;

    /// <summary>Completes when the worker opened its stream and identified itself with <see cref="WorkerId"/>.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Completes when the stream ended (the worker closed it or went away).</summary>
    public Task Closed => _closed.Task;

    /// <summary>Serves the stream of the gRPC call until it ends. Only one stream per worker is accepted.</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        if (!await requests.MoveNext(cancellationToken).ConfigureAwait(false)
            || requests.Current.ContentCase != StreamingMessage.ContentOneofCase.StartStream
            || !string.Equals(requests.Current.StartStream.WorkerId, WorkerId, StringComparison.Ordinal))
        {
            throw new GrpcException(new Status(StatusCode.InvalidArgument, "The first message must be StartStream with this worker's id."));
        }

        if (Interlocked.Exchange(ref _attached, 1) != 0)
        {
            throw new GrpcException(new Status(StatusCode.AlreadyExists, "The worker already has a stream."));
        }

        _connected.TrySetResult();
        var writer = WriteAllAsync(responses, cancellationToken);
        try
        {
            while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                Dispatch(requests.Current);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or GrpcException)
        {
            Log.StreamBroken(logger, ex.Message);
        }
        finally
        {
            _outbound.Writer.TryComplete();
            var closed = new WorkerUnavailableException("The worker's stream closed.");
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(closed);
            }

            _closed.TrySetResult();
        }

        await writer.ConfigureAwait(false);
    }

    /// <summary>Sends a message that expects no answer.</summary>
    public void Send(StreamingMessage message)
    {
        if (!_outbound.Writer.TryWrite(message))
        {
            throw new WorkerUnavailableException("The worker's stream is closed.");
        }
    }

    /// <summary>Sends a request and waits for the answer with the same correlation key.</summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage message, string key, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(key, answer))
        {
            throw new InvalidOperationException($"A request '{key}' is already waiting for the worker.");
        }

        try
        {
            if (_closed.Task.IsCompleted)
            {
                throw new WorkerUnavailableException("The worker's stream is closed.");
            }

            Send(message);
            return await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    public static string InitKey => "init";

    public static string MetadataKey => "metadata";

    public static string LoadKey(string functionId) => "load:" + functionId;

    public static string InvocationKey(string invocationId) => "invocation:" + invocationId;

    private void Dispatch(StreamingMessage message)
    {
        string? key = message.ContentCase switch
        {
            StreamingMessage.ContentOneofCase.WorkerInitResponse => InitKey,
            StreamingMessage.ContentOneofCase.FunctionMetadataResponse => MetadataKey,
            StreamingMessage.ContentOneofCase.FunctionLoadResponse => LoadKey(message.FunctionLoadResponse.FunctionId),
            StreamingMessage.ContentOneofCase.InvocationResponse => InvocationKey(message.InvocationResponse.InvocationId),
            _ => null,
        };

        if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
        {
            Relay(message.RpcLog);
        }
        else if (key is not null && _pending.TryGetValue(key, out var waiting))
        {
            waiting.TrySetResult(message);
        }
        else if (message.ContentCase is not StreamingMessage.ContentOneofCase.WorkerStatusResponse)
        {
            Log.Unexpected(logger, message.ContentCase);
        }
    }

    private void Relay(RpcLog log)
    {
        var entry = new WorkerLogEntry(
            log.Category,
            (LogLevel)Math.Clamp((int)log.Level, 0, 6),
            log.Message,
            string.IsNullOrEmpty(log.InvocationId) ? null : log.InvocationId,
            log.EventId,
            log.Exception?.Message,
            log.LogCategory == RpcLog.Types.RpcLogCategory.User);
        onWorkerLog?.Invoke(entry);
        Log.WorkerLog(logger, entry.Level, entry.Category, entry.Message, entry.Exception ?? string.Empty);
    }

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await responses.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            Log.StreamBroken(logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7101, EventName = "WorkerLog", Message = "{Category}: {Message} {Exception}")]
        public static partial void WorkerLog(ILogger logger, LogLevel level, string category, string message, string exception);

        [LoggerMessage(EventId = 7102, EventName = "WorkerStreamBroken", Level = LogLevel.Debug, Message = "The worker's gRPC stream ended: {Reason}")]
        public static partial void StreamBroken(ILogger logger, string reason);

        [LoggerMessage(EventId = 7103, EventName = "UnexpectedWorkerMessage", Level = LogLevel.Debug, Message = "Unexpected message from the worker: {Content}")]
        public static partial void Unexpected(ILogger logger, StreamingMessage.ContentOneofCase content);
    }
}

/// <summary>One log line the worker sent over the protocol (<c>RpcLog</c>).</summary>
/// <param name="IsUser">The worker marked it a user log (what Application Insights bills as a trace).</param>
public sealed record WorkerLogEntry(string Category, LogLevel Level, string Message, string? InvocationId, string EventId, string? Exception, bool IsUser);

/// <summary>The worker is gone or its stream closed: nothing can be invoked.</summary>
public sealed class WorkerUnavailableException : Exception
{
    public WorkerUnavailableException() { }

    public WorkerUnavailableException(string message) : base(message) { }

    public WorkerUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
