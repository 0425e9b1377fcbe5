using System.Diagnostics;
using System.Globalization;

namespace Uploads.HostEmulator.Worker;

/// <summary>
/// Remembers which worker processes this emulator started (a file per worker in the temp folder, naming the
/// emulator's pid), so that workers left behind by an emulator that was killed outright (SIGKILL, a test run
/// stopped by its time limit) are killed by the next emulator that starts. A worker does not exit by itself when
/// its host's gRPC stream breaks; the real host kills it, and so does this emulator on every orderly stop.
/// </summary>
internal static class WorkerRegistry
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "uploads-host-emulator-workers");

    /// <param name="workerId">The worker's <c>--functions-worker-id</c>: unique, and on its command line.</param>
    public static void Record(int workerPid, string workerId)
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllLines(Path.Combine(Folder, workerPid.ToString(CultureInfo.InvariantCulture)),
            [Environment.ProcessId.ToString(CultureInfo.InvariantCulture), workerId]);
    }

    public static void Forget(int workerPid)
    {
        try
        {
            File.Delete(Path.Combine(Folder, workerPid.ToString(CultureInfo.InvariantCulture)));
        }
        catch (IOException)
        {
            // Best effort: the next sweep finds a dead worker and removes the file.
        }
    }

    /// <summary>Kills the workers of emulators that are no longer running.</summary>
    public static void SweepOrphans()
    {
        if (!Directory.Exists(Folder))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(Folder))
        {
            try
            {
                var lines = File.ReadAllLines(file);
                if (lines.Length < 2
                    || !int.TryParse(Path.GetFileName(file), NumberStyles.None, CultureInfo.InvariantCulture, out var workerPid)
                    || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ownerPid))
                {
                    File.Delete(file);
                    continue;
                }

                if (IsAlive(ownerPid))
                {
                    continue;
                }

                // Only the process with that worker id on its command line (pids are reused).
                if (IsAlive(workerPid) && CommandLineOf(workerPid).Contains(lines[1], StringComparison.Ordinal))
                {
                    using var orphan = Process.GetProcessById(workerPid);
                    orphan.Kill(entireProcessTree: true);
                }

                File.Delete(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                // Another emulator is sweeping, or the process went away meanwhile.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string CommandLineOf(int pid)
    {
        var path = $"/proc/{pid}/cmdline";
        return File.Exists(path) ? File.ReadAllText(path).Replace('\0', ' ') : string.Empty;
    }
}
