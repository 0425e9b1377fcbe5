using Uploads.HostEmulator.Triggers;

namespace Uploads.HostEmulator.Tests.Triggers;

/// <summary>The emulator's reading of timer-trigger schedules: NCRONTAB with seconds, without, and intervals.</summary>
public sealed class TimerScheduleTests
{
    private static readonly DateTimeOffset Base = new(2026, 3, 10, 12, 0, 7, TimeZoneInfo.Local.GetUtcOffset(new DateTime(2026, 3, 10, 12, 0, 7)));

    [Theory]
    [InlineData("*/2 * * * * *", 1)]
    [InlineData("0 */5 * * * *", 300 - 7)]
    [InlineData("30 * * * * *", 23)]
    [InlineData("*/5 * * * *", 300 - 7)]
    [InlineData("00:00:10", 10)]
    public void Next_Expression_SecondsAfterBase(string expression, int seconds)
    {
        var schedule = TimerSchedule.Parse(expression);

        Assert.Equal(Base.AddSeconds(seconds), schedule.Next(Base));
    }

    [Fact]
    public void Next_AtAnOccurrence_TheFollowingOne()
    {
        var schedule = TimerSchedule.Parse("0 0 * * * *");
        var occurrence = Base.AddSeconds(-7).AddHours(1);

        Assert.Equal(occurrence.AddHours(1), schedule.Next(occurrence));
    }

    [Theory]
    [InlineData("")]
    [InlineData("every five minutes")]
    [InlineData("* * *")]
    [InlineData("61 * * * * *")]
    [InlineData("-00:00:01")]
    public void Parse_NotASchedule_FormatExceptionNamingIt(string expression)
    {
        var error = Assert.Throws<FormatException>(() => TimerSchedule.Parse(expression));

        Assert.Contains("NCRONTAB", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*/2 * * * * *", true)]
    [InlineData("10,20,45 * * * * *", true)]
    [InlineData("0 * * * * *", false)]
    [InlineData("0 */5 * * * *", false)]
    [InlineData("0 0 0 1 1 *", false)]
    [InlineData("00:00:10", true)]
    [InlineData("00:05:00", false)]
    public void IsMoreFrequentThanOncePerMinute_Schedule_TheHostsUseMonitorRule(string expression, bool expected)
    {
        Assert.Equal(expected, TimerSchedule.Parse(expression).IsMoreFrequentThanOncePerMinute(Base));
    }
}
