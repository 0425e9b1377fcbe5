using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Rpc;
using Uploads.HostEmulator.Worker;

namespace Uploads.HostEmulator.Triggers;

/// <summary>
/// Runs the worker's <c>timerTrigger</c> functions on their schedules, as the host's Timer extension does: the
/// binding's <c>schedule</c> (NCRONTAB or an interval, may name an app setting as <c>%Name%</c>), <c>runOnStartup</c>
/// (one invocation as the host starts) and <c>useMonitor</c> (true when absent, false for a schedule that fires more
/// often than once a minute). A monitored timer's schedule status (last, next, last updated) is kept in
/// <c>AzureWebJobsStorage</c> (<see cref="TimerStatusStore"/>): at start-up a recorded next occurrence that has passed
/// (the host was down) runs the function at once with <c>IsPastDue</c> true; after every run the status is updated.
/// Each function runs as a singleton: the next occurrence is computed only once the invocation ends, so invocations
/// never overlap, and a failed one is logged and the schedule goes on. The input is the host's <c>TimerInfo</c> JSON
/// under the binding's name; the trigger metadata is <c>TimerTrigger</c> (the time, as text). A disabled function
/// (<see cref="DisabledSetting"/>) is not scheduled, as in the host: it neither runs nor records a status.
/// </summary>
/// <remarks>
/// Differences from the host: without <c>AzureWebJobsStorage</c> the status is kept in memory only (nothing is past
/// due after a restart); occurrences are in local time (<c>WEBSITE_TIME_ZONE</c> is not read); no singleton lock
/// across several hosts sharing the storage.
/// </remarks>
internal sealed partial class TimerTriggers : IAsyncDisposable
{
    public const string TriggerType = "timerTrigger";

    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly FunctionInvoker _invoker;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimerStatusStore? _store;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly List<string> _scheduled = [];
    private int _invocations;

    private TimerTriggers(FunctionInvoker invoker, TimeProvider time, ILogger logger, TimerStatusStore? store)
    {
        _invoker = invoker;
        _time = time;
        _logger = logger;
        _store = store;
    }

    /// <summary>Invocations started so far, all timer functions together.</summary>
    public int Invocations => Volatile.Read(ref _invocations);

    /// <summary>The timer functions running on their schedules (not those disabled or in error).</summary>
    public IReadOnlyList<string> FunctionNames => _scheduled;

    /// <summary>Reads every timer function's schedule and starts it; a function whose schedule is missing or malformed is logged in error and not run.</summary>
    /// <param name="store">Where monitored schedules keep their status; null: in memory only.</param>
    public static TimerTriggers Start(FunctionInvoker invoker, AppSettingResolver settings, TimeProvider time, ILogger logger, TimerStatusStore? store)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(settings);
        var timers = new TimerTriggers(invoker, time, logger, store);
        foreach (var function in invoker.Functions.Where(f => f.Trigger.Type.Equals(TriggerType, StringComparison.OrdinalIgnoreCase) && !f.IsDisabled))
        {
            TimerSchedule schedule;
            try
            {
                schedule = TimerSchedule.Parse(settings.Resolve(function.Trigger.GetString("schedule") ?? string.Empty));
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException)
            {
                // As the host: that function is in error and never runs; the others do.
                Log.InError(logger, function.Name, ex.Message);
                continue;
            }

            var runOnStartup = function.Trigger.GetBoolean("runOnStartup") ?? false;
            var now = time.GetUtcNow();
            var useMonitor = (function.Trigger.GetBoolean("useMonitor") ?? true) && !schedule.IsMoreFrequentThanOncePerMinute(now);
            var first = schedule.Next(now);
            Log.Scheduled(logger, function.Name, schedule.Expression, first, useMonitor);
            timers._scheduled.Add(function.Name);
            timers._loops.Add(Task.Run(() => timers.RunAsync(function, schedule, runOnStartup, useMonitor, timers._stop.Token)));
        }

        return timers;
    }

    /// <summary>The timer's name in the status store, as the host names it.</summary>
    public static string TimerName(WorkerFunction function) => BlobTriggerExecutor.FunctionIdPrefix + function.Name;

    private async Task RunAsync(WorkerFunction function, TimerSchedule schedule, bool runOnStartup, bool useMonitor, CancellationToken stop)
    {
        var store = useMonitor ? _store : null;
        var timerName = TimerName(function);
        try
        {
            var now = _time.GetUtcNow();
            var pastDue = false;
            TimerStatus? status = null;
            if (store is not null)
            {
                (pastDue, status) = await CheckPastDueAsync(store, timerName, schedule, now, stop).ConfigureAwait(false);
            }

            status ??= new TimerStatus(DateTimeOffset.MinValue, schedule.Next(now), DateTimeOffset.MinValue);
            if (pastDue)
            {
                Log.PastDue(_logger, function.Name, status.Next);
                status = await InvokeAsync(function, schedule, status, now, Reason.PastDue, useMonitor, store, stop).ConfigureAwait(false);
            }
            else if (runOnStartup)
            {
                status = await InvokeAsync(function, schedule, status, now, Reason.RunOnStartup, useMonitor, store, stop).ConfigureAwait(false);
            }

            while (!stop.IsCancellationRequested)
            {
                // As the host: wait for the recorded next occurrence (a long one in steps: Task.Delay stops at ~49 days).
                for (var wait = status.Next - _time.GetUtcNow(); wait > TimeSpan.Zero; wait = status.Next - _time.GetUtcNow())
                {
                    await Task.Delay(wait < MaxWait ? wait : MaxWait, _time, stop).ConfigureAwait(false);
                }

                status = await InvokeAsync(function, schedule, status, _time.GetUtcNow(), Reason.Schedule, useMonitor, store, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The emulator is stopping.
        }
    }

    /// <summary>
    /// The host's <c>ScheduleMonitor.CheckPastDueAsync</c>: with no status yet, records one for the next occurrence; a
    /// status whose next occurrence no longer follows from its last one (the schedule changed) is recalculated and
    /// recorded, never past due; otherwise the function is past due when that next occurrence has passed.
    /// </summary>
    private static async Task<(bool PastDue, TimerStatus? Status)> CheckPastDueAsync(TimerStatusStore store, string timerName, TimerSchedule schedule, DateTimeOffset now, CancellationToken stop)
    {
        var recorded = await store.GetAsync(timerName, stop).ConfigureAwait(false);
        if (recorded is null)
        {
            await store.UpdateAsync(timerName, new TimerStatus(DateTimeOffset.MinValue, Local(schedule.Next(now)), Local(now)), stop).ConfigureAwait(false);
            return (false, null);
        }

        var basis = recorded.Last != DateTimeOffset.MinValue ? recorded.Last : recorded.LastUpdated != DateTimeOffset.MinValue ? recorded.LastUpdated : now;
        var expectedNext = schedule.Next(basis);
        if (recorded.Next != expectedNext)
        {
            if (now > expectedNext)
            {
                expectedNext = schedule.Next(now);
                basis = now;
            }

            recorded = new TimerStatus(DateTimeOffset.MinValue, Local(expectedNext), Local(basis));
            await store.UpdateAsync(timerName, recorded, stop).ConfigureAwait(false);
        }

        return (now > recorded.Next, recorded);
    }

    /// <summary>Runs the function once and returns (and records, when monitored) the status that follows, as the host's <c>InvokeJobFunction</c>.</summary>
    private async Task<TimerStatus> InvokeAsync(WorkerFunction function, TimerSchedule schedule, TimerStatus status, DateTimeOffset invocationTime, Reason reason, bool useMonitor, TimerStatusStore? store, CancellationToken stop)
    {
        Interlocked.Increment(ref _invocations);
        var info = new TimerInfoJson(
            new ScheduleJson(AdjustForDST: true),
            useMonitor ? new ScheduleStatusJson(Local(status.Last), Local(status.Next), Local(status.LastUpdated)) : null,
            IsPastDue: reason == Reason.PastDue);
        var input = new ParameterBinding { Name = function.Trigger.Name, Data = new TypedData { Json = JsonSerializer.Serialize(info, Json) } };
        var metadata = new Dictionary<string, TypedData>(StringComparer.Ordinal)
        {
            ["TimerTrigger"] = new() { String = Local(invocationTime).ToString(CultureInfo.InvariantCulture) },
        };
        var invocationId = Guid.NewGuid().ToString();
        Log.Invoking(_logger, function.Name, invocationId, reason);
        try
        {
            var response = await _invoker.InvokeAsync(function, invocationId, [input], metadata, stop).ConfigureAwait(false);
            if (response.Result.Status != StatusResult.Types.Status.Success)
            {
                Log.Failed(_logger, function.Name, response.Result.Exception?.Message ?? response.Result.Status.ToString());
            }
        }
        catch (WorkerUnavailableException ex)
        {
            // The worker is gone: the emulator reports it and stops; the loop ends with it.
            Log.Failed(_logger, function.Name, ex.Message);
            throw new OperationCanceledException(ex.Message, ex, stop);
        }

        // As the host: a scheduled run that fired early counts from its occurrence, so that Next never repeats.
        var adjusted = reason == Reason.Schedule && status.Next > invocationTime ? status.Next : invocationTime;
        var next = new TimerStatus(Local(adjusted), Local(schedule.Next(adjusted)), Local(adjusted));
        if (store is not null)
        {
            await store.UpdateAsync(TimerName(function), next, stop).ConfigureAwait(false);
        }

        return next;
    }

    private static DateTimeOffset Local(DateTimeOffset value) =>
        value == DateTimeOffset.MinValue ? value : TimeZoneInfo.ConvertTime(value, TimeZoneInfo.Local);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting for the worker's answer.
        }

        _stop.Dispose();
    }

    /// <summary>Why a timer function runs.</summary>
    private enum Reason
    {
        Schedule,
        RunOnStartup,
        PastDue,
    }

    // The host's TimerInfo as it reaches the worker: PascalCase, dates in local time with their offset.
    private sealed record TimerInfoJson(ScheduleJson Schedule, ScheduleStatusJson? ScheduleStatus, bool IsPastDue);

    private sealed record ScheduleJson(bool AdjustForDST);

    private sealed record ScheduleStatusJson(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated);

    private static partial class Log
    {
        [LoggerMessage(EventId = 7501, EventName = "TimerScheduled", Level = LogLevel.Information, Message = "Timer trigger 'Functions.{FunctionName}' on '{Schedule}'; next occurrence {Next:O}; schedule monitored: {UseMonitor}")]
        public static partial void Scheduled(ILogger logger, string functionName, string schedule, DateTimeOffset next, bool useMonitor);

        [LoggerMessage(EventId = 7502, EventName = "TimerInvoking", Level = LogLevel.Information, Message = "Timer trigger 'Functions.{FunctionName}' (invocation {InvocationId}, {Reason})")]
        public static partial void Invoking(ILogger logger, string functionName, string invocationId, Reason reason);

        [LoggerMessage(EventId = 7503, EventName = "TimerFailed", Level = LogLevel.Error, Message = "Timer trigger 'Functions.{FunctionName}' failed: {Reason}; the schedule goes on")]
        public static partial void Failed(ILogger logger, string functionName, string reason);

        [LoggerMessage(EventId = 7504, EventName = "TimerInError", Level = LogLevel.Error, Message = "The 'Functions.{FunctionName}' function is in error and will not run: {Reason}")]
        public static partial void InError(ILogger logger, string functionName, string reason);

        [LoggerMessage(EventId = 7506, EventName = "TimerPastDue", Level = LogLevel.Information, Message = "Function 'Functions.{FunctionName}' is past due on startup. Executing now. Trigger Details: UnscheduledInvocationReason: IsPastDue, OriginalSchedule: {OriginalSchedule:O}")]
        public static partial void PastDue(ILogger logger, string functionName, DateTimeOffset originalSchedule);
    }
}
