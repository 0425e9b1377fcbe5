using System.Text.Json;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Rpc;
using Uploads.HostEmulator.Worker;

namespace Uploads.HostEmulator.Triggers;

/// <summary>
/// Runs the function a <see cref="BlobTriggerMessage"/> names, as the host's <c>BlobQueueTriggerExecutor</c> does for the
/// Event Grid source: a message for a function the host does not know (its <c>FunctionId</c> is
/// <c>Host.Functions.&lt;Name&gt;</c>), or one that is disabled (the host registers no listener for it, see
/// <see cref="DisabledSetting"/>), is completed without running anything; otherwise the function is invoked
/// with the blob as deferred-binding data (<c>model_binding_data</c>, source <c>AzureStorageBlobs</c>), which the worker
/// turns into a <c>BlobClient</c> on the trigger's connection. The result says whether the invocation succeeded; a
/// failure leaves the message to the queue's retries.
/// </summary>
internal sealed partial class BlobTriggerExecutor(FunctionInvoker invoker, AppSettingResolver settings, ILogger logger)
{
    public const string FunctionIdPrefix = "Host.Functions.";

    private int _invocations;

    /// <summary>Invocations started so far.</summary>
    public int Invocations => Volatile.Read(ref _invocations);

    /// <summary>The Blob triggers with an Event Grid source, the ones this executor runs.</summary>
    public static bool IsEventGridBlobTrigger(WorkerFunction function) =>
        function.Trigger.Type.Equals("blobTrigger", StringComparison.OrdinalIgnoreCase)
        && string.Equals(function.Trigger.GetString("source"), "EventGrid", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the message is done with (ran successfully, or nothing to run); false when the function failed.</summary>
    /// <exception cref="WorkerUnavailableException">The worker is gone.</exception>
    public async Task<bool> ExecuteAsync(BlobTriggerMessage message, string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var function = message.FunctionId.StartsWith(FunctionIdPrefix, StringComparison.Ordinal)
            ? invoker.Functions.FirstOrDefault(f => string.Equals(f.Name, message.FunctionId[FunctionIdPrefix.Length..], StringComparison.Ordinal) && IsEventGridBlobTrigger(f) && !f.IsDisabled)
            : null;
        if (function is null)
        {
            Log.FunctionNotFound(logger, message.BlobName, message.FunctionId, messageId);
            return true;
        }

        var (container, _) = SplitPath(settings.Resolve(function.Trigger.GetString("path") ?? string.Empty));
        if (!string.Equals(message.ContainerName, container, StringComparison.Ordinal) || message.BlobName.Length == 0)
        {
            Log.OutsideThePath(logger, function.Name, message.ContainerName, message.BlobName, messageId);
            return true;
        }

        var connection = function.Trigger.GetString("connection") ?? "AzureWebJobsStorage";
        var content = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["Connection"] = connection,
            ["ContainerName"] = message.ContainerName,
            ["BlobName"] = message.BlobName,
        });
        var input = new ParameterBinding
        {
            Name = function.Trigger.Name,
            Data = new TypedData
            {
                ModelBindingData = new ModelBindingData
                {
                    Version = "1.0",
                    Source = "AzureStorageBlobs",
                    ContentType = "application/json",
                    Content = Google.Protobuf.ByteString.CopyFrom(content),
                },
            },
        };
        var metadata = new Dictionary<string, TypedData>(StringComparer.Ordinal)
        {
            ["BlobTrigger"] = new() { String = $"{message.ContainerName}/{message.BlobName}" },
            ["name"] = new() { String = message.BlobName },
            ["MessageId"] = new() { String = messageId },
        };
        var invocationId = Guid.NewGuid().ToString();
        Interlocked.Increment(ref _invocations);
        Log.Invoking(logger, function.Name, message.ContainerName, message.BlobName, invocationId);
        var result = await invoker.InvokeAsync(function, invocationId, [input], metadata, cancellationToken).ConfigureAwait(false);
        if (result.Result.Status != StatusResult.Types.Status.Success)
        {
            Log.InvocationFailed(logger, function.Name, $"{message.ContainerName}/{message.BlobName}", invocationId, result.Result.Exception?.Message ?? result.Result.Status.ToString());
            return false;
        }

        return true;
    }

    private static (string Container, string Blob) SplitPath(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (path, string.Empty) : (path[..slash], path[(slash + 1)..]);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7301, EventName = "BlobTriggerInvoking", Level = LogLevel.Information, Message = "Blob trigger 'Functions.{FunctionName}' for {Container}/{Blob} (Event Grid, Id={InvocationId})")]
        public static partial void Invoking(ILogger logger, string functionName, string container, string blob, string invocationId);

        [LoggerMessage(EventId = 7302, EventName = "BlobTriggerFailed", Level = LogLevel.Error, Message = "Executed 'Functions.{FunctionName}' (Failed, Id={InvocationId}) for {Path}: {Reason}")]
        public static partial void InvocationFailed(ILogger logger, string functionName, string path, string invocationId, string reason);

        [LoggerMessage(EventId = 7303, EventName = "BlobTriggerFunctionNotFound", Level = LogLevel.Warning, Message = "Blob '{BlobName}' will not be processed: no enabled Blob trigger with an Event Grid source has the id '{FunctionId}' (queue message {MessageId})")]
        public static partial void FunctionNotFound(ILogger logger, string blobName, string functionId, string messageId);

        [LoggerMessage(EventId = 7304, EventName = "BlobTriggerOutsideThePath", Level = LogLevel.Warning, Message = "Blob '{Container}/{BlobName}' is outside the path of 'Functions.{FunctionName}': not run (queue message {MessageId})")]
        public static partial void OutsideThePath(ILogger logger, string functionName, string container, string blobName, string messageId);
    }
}
