using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Rpc;

namespace Uploads.HostEmulator.Worker;

/// <summary>
/// Worker indexing, as the host does it: FunctionsMetadataRequest (the worker must index its functions itself, not ask
/// for function.json files), then a FunctionLoadRequest per function, each answered successfully. Each function is
/// marked disabled when its <see cref="DisabledSetting"/> says so (loaded all the same, as the host loads it).
/// </summary>
internal static partial class FunctionIndexer
{
    public static async Task<IReadOnlyList<WorkerFunction>> IndexAsync(WorkerConnection worker, string appDirectory, AppSettingResolver settings, ILogger logger, CancellationToken timeout)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var metadata = await worker.RequestAsync(
            new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } },
            WorkerChannel.MetadataKey,
            "index its functions",
            "FunctionsMetadataRequest",
            timeout).ConfigureAwait(false);
        if (metadata.FunctionMetadataResponse.UseDefaultMetadataIndexing)
        {
            throw new InvalidOperationException("The worker asked for host indexing (function.json files); the emulator supports worker indexing only.");
        }

        var functions = metadata.FunctionMetadataResponse.FunctionMetadataResults
            .Select(WorkerFunction.From)
            .Select(f => f with { IsDisabled = DisabledSetting.IsDisabled(settings, f.Name) })
            .ToList();
        foreach (var function in functions)
        {
            function.Metadata.FunctionId = function.Id;
            function.Metadata.Directory = appDirectory;
            await worker.RequestAsync(
                new StreamingMessage { FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.Id, Metadata = function.Metadata } },
                WorkerChannel.LoadKey(function.Id),
                $"load {function.Name}",
                $"FunctionLoadRequest for {function.Name}",
                timeout).ConfigureAwait(false);
            if (function.IsDisabled)
            {
                Log.Disabled(logger, function.Name);
            }
        }

        return functions;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7413, EventName = "FunctionDisabled", Level = LogLevel.Information, Message = "Function 'Functions.{FunctionName}' is disabled (AzureWebJobs.{FunctionName}.Disabled)")]
        public static partial void Disabled(ILogger logger, string functionName);
    }
}
