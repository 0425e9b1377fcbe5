using System.Diagnostics;
using System.Reflection;

namespace Uploads.Testing;

/// <summary>
/// Where the repository's projects were built, in the tests' own configuration (Release in CI), and whether a
/// process still runs: the one place tests find the worker, the emulator and the admin tool.
/// </summary>
public static class BuildOutput
{
    public static string Configuration { get; } =
        typeof(BuildOutput).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary><c>&lt;folder&gt;/&lt;project&gt;/bin/&lt;configuration&gt;/net10.0/&lt;file&gt;</c> (folder src or samples), which must exist.</summary>
    public static string Of(string project, string file, string folder = "src")
    {
        var path = Path.Combine(RepositoryRoot.Find(), folder, project, "bin", Configuration, "net10.0", file);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"Build it first: dotnet build -c {Configuration} {folder}/{project} (no {path}).");
    }

    /// <summary>True while a process with <paramref name="pid"/> exists and has not exited.</summary>
    public static bool IsRunning(int pid)
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
}
