using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Naming;

namespace Uploads.Core.Verification;

/// <summary>
/// The slots for the work of a check (reading the ranges the sniffer asks for and sniffing them) in this instance:
/// at most <see cref="VerificationOptions.MaxConcurrentChecks"/> run at once, whichever entry point asked (the Blob
/// trigger, the reconciliation pass, a status or renewal request: all of them check through
/// <see cref="UploadVerifier"/>, which takes a slot here). Checks waiting for a slot queue per client (the owner in
/// the blob path, <see cref="BlobPath.IsWellFormed"/>; a path of another shape queues as one more client), and a
/// free slot goes to the clients in turn, one check each: one client's many files cannot starve another's.
/// Cancellation is honoured while waiting; a slot is returned by disposing it.
/// </summary>
internal sealed class CheckScheduler
{
    /// <summary>The queue of checks whose path names no client this service issued paths to.</summary>
    private const string Unattributed = "";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ClientQueue> _queues = new(StringComparer.Ordinal);
    private readonly LinkedList<ClientQueue> _turns = new();
    private int _free;
    private int _waiting;

    public CheckScheduler(IOptions<VerificationOptions> options)
        : this(options?.Value.MaxConcurrentChecks ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    internal CheckScheduler(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots);
        Slots = slots;
        _free = slots;
    }

    /// <summary>How many checks may run at once.</summary>
    public int Slots { get; }

    /// <summary>Checks waiting for a slot.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Checks holding a slot.</summary>
    public int Running
    {
        get
        {
            lock (_lock)
            {
                return Slots - _free;
            }
        }
    }

    /// <summary>
    /// A slot for the check of <paramref name="blobPath"/>: at once when one is free and no check waits, otherwise
    /// when the turn of its client comes. Dispose it when the work is done.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the slot came.</exception>
    public ValueTask<IDisposable> EnterAsync(string blobPath, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var client = BlobPath.IsWellFormed(blobPath, out var owner, out _) ? owner : Unattributed;
        Waiter waiter;
        lock (_lock)
        {
            if (_free > 0)
            {
                // Slots are free only while nobody waits (a returned slot goes straight to the next waiter).
                _free--;
                return ValueTask.FromResult<IDisposable>(new Slot(this));
            }

            if (!_queues.TryGetValue(client, out var queue))
            {
                queue = new ClientQueue(client);
                _queues.Add(client, queue);
                queue.Turn = _turns.AddLast(queue);
            }

            waiter = new Waiter(this, queue);
            waiter.Node = queue.Waiters.AddLast(waiter);
            _waiting++;
        }

        return WaitAsync(waiter, cancellationToken);
    }

    private static async ValueTask<IDisposable> WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        // Registered outside the lock: an already cancelled token runs the callback at once, and it takes the lock.
        IDisposable slot;
        using (cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Cancel(token), waiter))
        {
            slot = await waiter.Task.ConfigureAwait(false);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // Handed over as the token was cancelled: passed on at once.
            slot.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
        }

        return slot;
    }

    /// <summary>A waiter's token was cancelled: it leaves its queue, unless its slot was handed over already.</summary>
    private bool TryWithdraw(Waiter waiter)
    {
        lock (_lock)
        {
            if (waiter.Node!.List is null)
            {
                return false;
            }

            Remove(waiter);
            return true;
        }
    }

    /// <summary>A slot was returned: it goes to the first check of the client whose turn it is, or becomes free.</summary>
    private void Release()
    {
        Waiter next;
        lock (_lock)
        {
            if (_turns.First is not { } turn)
            {
                _free++;
                return;
            }

            next = turn.Value.Waiters.First!.Value;
            Remove(next);
            if (turn.Value.Waiters.Count > 0)
            {
                // Its next check waits for the other clients' turns.
                _turns.Remove(turn);
                _turns.AddLast(turn);
            }
        }

        next.TrySetResult(new Slot(this));
    }

    /// <summary>Takes <paramref name="waiter"/> out of its client's queue, and the client out of the turns once it has none left. Under the lock.</summary>
    private void Remove(Waiter waiter)
    {
        var queue = waiter.Queue;
        queue.Waiters.Remove(waiter.Node!);
        _waiting--;
        if (queue.Waiters.Count == 0)
        {
            _turns.Remove(queue.Turn!);
            _queues.Remove(queue.Client);
        }
    }

    private sealed class ClientQueue(string client)
    {
        public string Client { get; } = client;

        public LinkedList<Waiter> Waiters { get; } = new();

        public LinkedListNode<ClientQueue>? Turn { get; set; }
    }

    private sealed class Waiter(CheckScheduler scheduler, ClientQueue queue) : TaskCompletionSource<IDisposable>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public ClientQueue Queue { get; } = queue;

        public LinkedListNode<Waiter>? Node { get; set; }

        public void Cancel(CancellationToken token)
        {
            if (scheduler.TryWithdraw(this))
            {
                TrySetCanceled(token);
            }
        }
    }

    /// <summary>One slot; disposing it (once, any further dispose does nothing) hands it on.</summary>
    private sealed class Slot(CheckScheduler scheduler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                scheduler.Release();
            }
        }
    }
}
