using System.Diagnostics;
using Google.Protobuf.Collections;
using Uploads.HostEmulator.Rpc;

namespace Uploads.HostEmulator.Worker;

/// <summary>Sends invocations to the worker and waits for their results; a cancelled caller becomes an InvocationCancel.</summary>
internal sealed class FunctionInvoker(WorkerChannel channel, IReadOnlyList<WorkerFunction> functions)
{
    public IReadOnlyList<WorkerFunction> Functions { get; } = functions;

    public WorkerFunction? Find(string name) =>
        Functions.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Invokes <paramref name="function"/>. When <paramref name="aborted"/> fires first, the worker is told to cancel
    /// (the worker declares <c>HandlesInvocationCancelMessage</c>) and the worker's answer is still awaited, as the host does.
    /// </summary>
    public async Task<InvocationResponse> InvokeAsync(
        WorkerFunction function,
        string invocationId,
        IEnumerable<ParameterBinding> inputs,
        IReadOnlyDictionary<string, TypedData>? triggerMetadata,
        CancellationToken aborted)
    {
        ArgumentNullException.ThrowIfNull(function);
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.Id,
            TraceContext = new RpcTraceContext { TraceParent = Activity.Current?.Id ?? NewTraceParent(), TraceState = Activity.Current?.TraceStateString ?? string.Empty },
        };
        request.InputData.AddRange(inputs);
        if (triggerMetadata is not null)
        {
            Add(request.TriggerMetadata, triggerMetadata);
        }

        using var cancel = aborted.Register(() => Cancel(invocationId));
        var answer = await channel.RequestAsync(
            new StreamingMessage { InvocationRequest = request },
            WorkerChannel.InvocationKey(invocationId),
            CancellationToken.None).ConfigureAwait(false);
        return answer.InvocationResponse;
    }

    /// <summary>Tells the worker to cancel an invocation (it may already be done).</summary>
    public void Cancel(string invocationId)
    {
        try
        {
            channel.Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId } });
        }
        catch (WorkerUnavailableException)
        {
            // The worker is gone; nothing to cancel.
        }
    }

    private static void Add(MapField<string, TypedData> map, IReadOnlyDictionary<string, TypedData> values)
    {
        foreach (var (key, value) in values)
        {
            map[key] = value;
        }
    }

    private static string NewTraceParent() => $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00";
}
