using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf.Collections;
using Uploads.HostEmulator.Rpc;

namespace Uploads.HostEmulator.Worker;

/// <summary>Sends invocations to the worker and waits for their results; a cancelled caller becomes an InvocationCancel.</summary>
internal sealed class FunctionInvoker(WorkerChannel channel, IReadOnlyList<WorkerFunction> functions)
{
    /// <summary>
    /// When an InvocationCancel is sent again while the invocation has not answered. The worker drops a cancel for an
    /// invocation it has not registered yet (the request and the cancel are handled concurrently, and a forward that
    /// fails at once cancels before the request is even sent); the worker then waits for an HTTP request that never
    /// comes and logs a timeout error. Cancelling twice is harmless.
    /// </summary>
    private static readonly TimeSpan[] CancelResends = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(6)];

    /// <summary>Invocations being cancelled, completed when the worker answers them.</summary>
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelling = new(StringComparer.Ordinal);

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
        try
        {
            var answer = await channel.RequestAsync(
                new StreamingMessage { InvocationRequest = request },
                WorkerChannel.InvocationKey(invocationId),
                CancellationToken.None).ConfigureAwait(false);
            return answer.InvocationResponse;
        }
        finally
        {
            if (_cancelling.TryGetValue(invocationId, out var answered))
            {
                answered.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Tells the worker to cancel an invocation (it may already be done, or not yet sent): now, and again a few times
    /// within ~10 s until the invocation answers (see <see cref="CancelResends"/>).
    /// </summary>
    public void Cancel(string invocationId)
    {
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_cancelling.TryAdd(invocationId, answered))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                if (!SendCancel(invocationId))
                {
                    return;
                }

                foreach (var delay in CancelResends)
                {
                    if (await Task.WhenAny(answered.Task, Task.Delay(delay)).ConfigureAwait(false) == answered.Task || !SendCancel(invocationId))
                    {
                        return;
                    }
                }
            }
            finally
            {
                _cancelling.TryRemove(invocationId, out _);
            }
        });
    }

    private bool SendCancel(string invocationId)
    {
        try
        {
            channel.Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId } });
            return true;
        }
        catch (WorkerUnavailableException)
        {
            // The worker is gone; nothing to cancel.
            return false;
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
