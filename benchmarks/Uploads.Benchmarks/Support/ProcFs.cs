using System.Globalization;

namespace Uploads.Benchmarks.Support;

/// <summary>Resident memory of a process from /proc/PID/status, in KiB.</summary>
internal readonly record struct ProcessMemory(long RssKb, long HwmKb)
{
    public double RssMb => RssKb / 1024.0;

    public double HwmMb => HwmKb / 1024.0;
}

/// <summary>What Linux says about a process (CPU time, memory, start time): the measured processes are not ours to instrument.</summary>
internal static class ProcFs
{
    /// <summary>USER_HZ: the unit of the times in /proc/PID/stat (100 on Linux x64).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>User + system CPU time of a process so far, from /proc/PID/stat.</summary>
    public static double CpuSeconds(int pid)
    {
        var fields = StatFields(pid);
        // After the command: state is field 3; utime and stime are fields 14 and 15 (1-based in proc(5)), in clock ticks.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>When a process started, in seconds since boot (field 22 of /proc/PID/stat; 10 ms resolution).</summary>
    public static double StartedAt(int pid) => long.Parse(StatFields(pid)[19], CultureInfo.InvariantCulture) / TicksPerSecond;

    /// <summary>Seconds since boot now (/proc/uptime), comparable with <see cref="StartedAt"/>.</summary>
    public static double Uptime() =>
        double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>VmRSS (now) and VmHWM (peak) of a process.</summary>
    public static ProcessMemory Memory(int pid)
    {
        long rss = 0, hwm = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kb(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = Kb(line);
            }
        }

        return new ProcessMemory(rss, hwm);

        static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>CPU seconds of this process (the load generator, and the host emulator, which runs in it).</summary>
    public static double OwnCpuSeconds()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    private static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
}
