using Grpc.Core;
using Uploads.HostEmulator.Rpc;

namespace Uploads.HostEmulator.Worker;

/// <summary>The gRPC service the worker connects to (<c>--functions-uri</c>): hands its stream to the worker's channel.</summary>
internal sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return channel.RunAsync(requestStream, responseStream, context.CancellationToken);
    }
}
