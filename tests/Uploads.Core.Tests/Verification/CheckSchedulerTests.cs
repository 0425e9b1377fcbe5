using System.Threading.Channels;
using Uploads.Core.Naming;
using Uploads.Core.Verification;

namespace Uploads.Core.Tests.Verification;

/// <summary>
/// <see cref="CheckScheduler"/> with fake checks, each held in its slot until the test lets it finish: no timing, the
/// order in which checks get their slots is read from a channel each check writes to when it starts.
/// </summary>
public sealed class CheckSchedulerTests
{
    /// <summary>Only a guard against a hang when a slot never comes: no assertion depends on it.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    private readonly Channel<string> _started = Channel.CreateUnbounded<string>();

    private static string PathOf(string client) => BlobPath.Create(client, "file.png", DateTimeOffset.UtcNow);

    private Work Start(CheckScheduler scheduler, string name, string blobPath, CancellationToken cancellationToken = default) =>
        new(scheduler, name, blobPath, _started.Writer, cancellationToken);

    private async Task<string> NextStartedAsync() => await _started.Reader.ReadAsync().AsTask().WaitAsync(Hang);

    [Fact]
    public async Task EnterAsync_LimitOneAndOneClientWithManyQueued_AnotherClientRunsBeforeTheQueueIsDrained()
    {
        var scheduler = new CheckScheduler(1);
        var a = Enumerable.Range(1, 6).Select(i => Start(scheduler, $"a{i}", PathOf("a"))).ToList();
        var b = Start(scheduler, "b1", PathOf("b"));
        Assert.Equal("a1", await NextStartedAsync());
        Assert.Equal(6, scheduler.Waiting);

        a[0].Finish();
        Assert.Equal("a2", await NextStartedAsync());
        a[1].Finish();

        Assert.Equal("b1", await NextStartedAsync());
        Assert.Equal(4, scheduler.Waiting);
        Assert.All(a.Skip(2), w => Assert.False(w.Started));
        b.Finish();
        foreach (var (work, name) in a.Skip(2).Select((w, i) => (w, $"a{i + 3}")))
        {
            Assert.Equal(name, await NextStartedAsync());
            work.Finish();
        }

        await Task.WhenAll(a.Select(w => w.Completion).Append(b.Completion)).WaitAsync(Hang);
        Assert.Equal((0, 0), (scheduler.Running, scheduler.Waiting));
    }

    [Fact]
    public async Task EnterAsync_ThreeClientsQueued_SlotsGoToTheClientsInTurn()
    {
        var scheduler = new CheckScheduler(1);
        var holder = Start(scheduler, "holder", PathOf("z"));
        Assert.Equal("holder", await NextStartedAsync());
        var queued = new List<Work>();
        foreach (var client in new[] { "a", "a", "a", "b", "c", "c" })
        {
            queued.Add(Start(scheduler, client, PathOf(client)));
        }

        holder.Finish();
        var order = new List<string>();
        for (var i = 0; i < queued.Count; i++)
        {
            var name = await NextStartedAsync();
            order.Add(name);
            queued.First(w => w.Name == name && w.Started && !w.Finished).Finish();
        }

        Assert.Equal(["a", "b", "c", "a", "c", "a"], order);
    }

    [Fact]
    public async Task EnterAsync_LimitTwo_AtMostTwoRunAndTheThirdWaits()
    {
        var scheduler = new CheckScheduler(2);
        var works = Enumerable.Range(1, 3).Select(i => Start(scheduler, $"w{i}", PathOf("a"))).ToList();
        var first = new[] { await NextStartedAsync(), await NextStartedAsync() };

        Assert.Equal(["w1", "w2"], first);
        Assert.Equal((2, 1), (scheduler.Running, scheduler.Waiting));
        Assert.False(works[2].Started);

        works[1].Finish();
        Assert.Equal("w3", await NextStartedAsync());
        Assert.Equal((2, 0), (scheduler.Running, scheduler.Waiting));
        works[0].Finish();
        works[2].Finish();
        await Task.WhenAll(works.Select(w => w.Completion)).WaitAsync(Hang);
        Assert.Equal(0, scheduler.Running);
    }

    [Fact]
    public async Task EnterAsync_CancelledWhileWaiting_LeavesTheQueueAndTheNextGetsTheSlot()
    {
        var scheduler = new CheckScheduler(1);
        var holder = Start(scheduler, "holder", PathOf("a"));
        Assert.Equal("holder", await NextStartedAsync());
        using var cancel = new CancellationTokenSource();
        var cancelled = Start(scheduler, "cancelled", PathOf("b"), cancel.Token);
        var next = Start(scheduler, "next", PathOf("c"));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.Completion.WaitAsync(Hang));
        Assert.Equal(1, scheduler.Waiting);
        holder.Finish();
        Assert.Equal("next", await NextStartedAsync());
        next.Finish();
        await next.Completion.WaitAsync(Hang);
        Assert.False(cancelled.Started);
        Assert.Equal((0, 0), (scheduler.Running, scheduler.Waiting));
    }

    [Fact]
    public async Task EnterAsync_AlreadyCancelled_ThrowsWithoutTakingASlot()
    {
        var scheduler = new CheckScheduler(1);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scheduler.EnterAsync(PathOf("a"), new CancellationToken(canceled: true)).AsTask());

        Assert.Equal((0, 0), (scheduler.Running, scheduler.Waiting));
    }

    [Fact]
    public async Task EnterAsync_PathsOfAnotherShape_QueueTogetherAsOneMoreClient()
    {
        var scheduler = new CheckScheduler(1);
        var holder = Start(scheduler, "holder", PathOf("a"));
        Assert.Equal("holder", await NextStartedAsync());
        var odd = new[] { Start(scheduler, "odd1", "not/a/path/this/service/issues"), Start(scheduler, "odd2", "loose.png") };
        var client = Start(scheduler, "a", PathOf("a"));

        holder.Finish();
        Assert.Equal("odd1", await NextStartedAsync());
        odd[0].Finish();

        Assert.Equal("a", await NextStartedAsync());
        client.Finish();
        Assert.Equal("odd2", await NextStartedAsync());
        odd[1].Finish();
        await odd[1].Completion.WaitAsync(Hang);
    }

    [Fact]
    public async Task Slot_DisposedTwice_ReturnedOnce()
    {
        var scheduler = new CheckScheduler(1);
        var slot = await scheduler.EnterAsync(PathOf("a"), CancellationToken.None);
        var waiting = Start(scheduler, "waiting", PathOf("b"));
        var after = Start(scheduler, "after", PathOf("c"));

        slot.Dispose();
        slot.Dispose();

        Assert.Equal("waiting", await NextStartedAsync());
        Assert.Equal((1, 1), (scheduler.Running, scheduler.Waiting));
        Assert.False(after.Started);
        waiting.Finish();
        Assert.Equal("after", await NextStartedAsync());
        after.Finish();
        await after.Completion.WaitAsync(Hang);
    }

    /// <summary>A fake check: takes a slot, says it started, holds the slot until <see cref="Finish"/>.</summary>
    private sealed class Work
    {
        private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _started;

        public Work(CheckScheduler scheduler, string name, string blobPath, ChannelWriter<string> started, CancellationToken cancellationToken)
        {
            Name = name;
            Completion = RunAsync(scheduler, blobPath, started, cancellationToken);
        }

        public string Name { get; }

        public Task Completion { get; }

        public bool Started => _started;

        public bool Finished => _finish.Task.IsCompleted;

        public void Finish() => _finish.SetResult();

        private async Task RunAsync(CheckScheduler scheduler, string blobPath, ChannelWriter<string> started, CancellationToken cancellationToken)
        {
            using (await scheduler.EnterAsync(blobPath, cancellationToken))
            {
                _started = true;
                await started.WriteAsync(Name, CancellationToken.None);
                await _finish.Task;
            }
        }
    }
}
