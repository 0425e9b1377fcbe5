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
/// (one invocation as the host starts) and <c>useMonitor</c> (a <c>ScheduleStatus</c> with the last and next
/// occurrences). Each function runs as a singleton: the next occurrence is computed only once the invocation ends,
/// so invocations never overlap, and a failed one is logged and the schedule goes on. The input is the host's
/// <c>TimerInfo</c> JSON under the binding's name; the trigger metadata is <c>TimerTrigger</c> (the time, as text).
/// </summary>
/// <remarks>
/// Differences from the host, on purpose: the schedule status is kept in memory, not in the <c>AzureWebJobsStorage</c>
/// account, so a missed occurrence while the emulator was stopped is never reported past due (<c>IsPastDue</c> is
/// false); occurrences are in local time (<c>WEBSITE_TIME_ZONE</c> is not read).
/// </remarks>
internal sealed partial class TimerTriggers : IAsyncDisposable
{
    public const string TriggerType = "timerTrigger";

    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly FunctionInvoker _invoker;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private int _invocations;

    private TimerTriggers(FunctionInvoker invoker, TimeProvider time, ILogger logger)
    {
        _invoker = invoker;
        _time = time;
        _logger = logger;
    }

    /// <summary>Invocations started so far, all timer functions together.</summary>
    public int Invocations => Volatile.Read(ref _invocations);

    /// <summary>Reads every timer function's schedule and starts it; a function whose schedule is missing or malformed is logged in error and not run.</summary>
    public static TimerTriggers Start(FunctionInvoker invoker, AppSettingResolver settings, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(settings);
        var timers = new TimerTriggers(invoker, time, logger);
        foreach (var function in invoker.Functions.Where(f => f.Trigger.Type.Equals(TriggerType, StringComparison.OrdinalIgnoreCase)))
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
            var useMonitor = function.Trigger.GetBoolean("useMonitor") ?? true;
            var first = schedule.Next(time.GetUtcNow());
            Log.Scheduled(logger, function.Name, schedule.Expression, first);
            timers._loops.Add(Task.Run(() => timers.RunAsync(function, schedule, runOnStartup, useMonitor, timers._stop.Token)));
        }

        return timers;
    }

    private async Task RunAsync(WorkerFunction function, TimerSchedule schedule, bool runOnStartup, bool useMonitor, CancellationToken stop)
    {
        DateTimeOffset? last = null;
        try
        {
            if (runOnStartup)
            {
                var now = _time.GetUtcNow();
                await InvokeAsync(function, new TimerStatus(last, schedule.Next(now), now), useMonitor, stop).ConfigureAwait(false);
                last = now;
            }

            while (!stop.IsCancellationRequested)
            {
                var next = schedule.Next(_time.GetUtcNow());

                // A yearly or monthly schedule is further away than Task.Delay accepts (about 49 days): wait in days.
                for (var wait = next - _time.GetUtcNow(); wait > TimeSpan.Zero; wait = next - _time.GetUtcNow())
                {
                    await Task.Delay(wait < MaxWait ? wait : MaxWait, _time, stop).ConfigureAwait(false);
                }

                await InvokeAsync(function, new TimerStatus(last, next, _time.GetUtcNow()), useMonitor, stop).ConfigureAwait(false);
                last = next;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The emulator is stopping.
        }
    }

    private async Task InvokeAsync(WorkerFunction function, TimerStatus status, bool useMonitor, CancellationToken stop)
    {
        Interlocked.Increment(ref _invocations);
        var info = new TimerInfoJson(
            new ScheduleJson(AdjustForDST: true),
            useMonitor ? new ScheduleStatusJson(Local(status.Last ?? DateTimeOffset.MinValue), Local(status.Next), Local(status.Updated)) : null,
            IsPastDue: false);
        var input = new ParameterBinding { Name = function.Trigger.Name, Data = new TypedData { Json = JsonSerializer.Serialize(info, Json) } };
        var metadata = new Dictionary<string, TypedData>(StringComparer.Ordinal)
        {
            ["TimerTrigger"] = new() { String = Local(_time.GetUtcNow()).ToString(CultureInfo.InvariantCulture) },
        };
        var invocationId = Guid.NewGuid().ToString();
        Log.Invoking(_logger, function.Name, invocationId);
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

    private sealed record TimerStatus(DateTimeOffset? Last, DateTimeOffset Next, DateTimeOffset Updated);

    // The host's TimerInfo as it reaches the worker: PascalCase, dates in local time with their offset.
    private sealed record TimerInfoJson(ScheduleJson Schedule, ScheduleStatusJson? ScheduleStatus, bool IsPastDue);

    private sealed record ScheduleJson(bool AdjustForDST);

    private sealed record ScheduleStatusJson(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated);

    private static partial class Log
    {
        [LoggerMessage(EventId = 7501, EventName = "TimerScheduled", Level = LogLevel.Information, Message = "Timer trigger 'Functions.{FunctionName}' on '{Schedule}'; next occurrence {Next:O}")]
        public static partial void Scheduled(ILogger logger, string functionName, string schedule, DateTimeOffset next);

        [LoggerMessage(EventId = 7502, EventName = "TimerInvoking", Level = LogLevel.Information, Message = "Timer trigger 'Functions.{FunctionName}' (invocation {InvocationId})")]
        public static partial void Invoking(ILogger logger, string functionName, string invocationId);

        [LoggerMessage(EventId = 7503, EventName = "TimerFailed", Level = LogLevel.Error, Message = "Timer trigger 'Functions.{FunctionName}' failed: {Reason}; the schedule goes on")]
        public static partial void Failed(ILogger logger, string functionName, string reason);

        [LoggerMessage(EventId = 7504, EventName = "TimerInError", Level = LogLevel.Error, Message = "The 'Functions.{FunctionName}' function is in error and will not run: {Reason}")]
        public static partial void InError(ILogger logger, string functionName, string reason);
    }
}
