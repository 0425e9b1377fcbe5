using System.Globalization;
using NCrontab;

namespace Uploads.HostEmulator.Triggers;

/// <summary>
/// The schedule of a <c>timerTrigger</c>, read as the host's Timer extension reads it: an NCRONTAB expression of six
/// fields (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>; five fields, without seconds, are accepted
/// too) or a constant interval written as a <c>TimeSpan</c> (<c>hh:mm:ss</c>). Occurrences are computed in the
/// host's local time, as the host does (<c>WEBSITE_TIME_ZONE</c> is not emulated).
/// </summary>
internal sealed class TimerSchedule
{
    private readonly CrontabSchedule? _cron;
    private readonly TimeSpan _interval;

    private TimerSchedule(string expression, CrontabSchedule? cron, TimeSpan interval)
    {
        Expression = expression;
        _cron = cron;
        _interval = interval;
    }

    public string Expression { get; }

    /// <summary>Parses <paramref name="expression"/> (already resolved from <c>%AppSetting%</c>).</summary>
    /// <exception cref="FormatException">Neither NCRONTAB nor a positive interval.</exception>
    public static TimerSchedule Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var trimmed = expression.Trim();
        if (CrontabSchedule.TryParse(trimmed, new CrontabSchedule.ParseOptions { IncludingSeconds = true }) is { } withSeconds)
        {
            return new(trimmed, withSeconds, TimeSpan.Zero);
        }

        if (CrontabSchedule.TryParse(trimmed) is { } withoutSeconds)
        {
            return new(trimmed, withoutSeconds, TimeSpan.Zero);
        }

        if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
        {
            return new(trimmed, null, interval);
        }

        throw new FormatException($"The timer schedule '{expression}' is neither an NCRONTAB expression ({{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}) nor an interval (hh:mm:ss).");
    }

    /// <summary>
    /// The host's rule for <c>useMonitor</c>: a schedule that fires more often than once a minute is not monitored (an
    /// interval under a minute, or NCRONTAB with only <c>*</c> from the minutes on and several occurrences within the
    /// next minute).
    /// </summary>
    public bool IsMoreFrequentThanOncePerMinute(DateTimeOffset now)
    {
        if (_cron is null)
        {
            return _interval < TimeSpan.FromMinutes(1);
        }

        var fields = Expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6 || !fields.Skip(1).All(f => f == "*"))
        {
            return false;
        }

        var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.Local).DateTime;
        return _cron.GetNextOccurrences(local, local.AddMinutes(1)).Skip(1).Any();
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset Next(DateTimeOffset after)
    {
        if (_cron is null)
        {
            return after + _interval;
        }

        var local = TimeZoneInfo.ConvertTime(after, TimeZoneInfo.Local).DateTime;
        var next = DateTime.SpecifyKind(_cron.GetNextOccurrence(local), DateTimeKind.Unspecified);
        return new DateTimeOffset(next, TimeZoneInfo.Local.GetUtcOffset(next));
    }
}
