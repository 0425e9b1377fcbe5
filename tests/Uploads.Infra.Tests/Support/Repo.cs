using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Uploads.Infra.Tests.Support;

/// <summary>Paths of the repository and of the tools the infrastructure checks run.</summary>
internal static class Repo
{
    public static string Root { get; } = Metadata("RepositoryRoot");

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string ReadAllText(params string[] parts) => File.ReadAllText(Path(parts));

    /// <summary>The bicep executable from the Azure.Bicep.CommandLine.linux-x64 package restored with this project.</summary>
    public static string BicepExecutable
    {
        get
        {
            var directory = Metadata("BicepDirectory");
            var bicep = System.IO.Path.Combine(directory, "tools", "bicep");
            if (!File.Exists(bicep))
            {
                throw new InvalidOperationException(
                    $"The Bicep CLI was not found at {bicep}. Restore this project (dotnet restore) on Linux x64: it comes from the NuGet package Azure.Bicep.CommandLine.linux-x64.");
            }

            if (!OperatingSystem.IsLinux())
            {
                throw new PlatformNotSupportedException("The infrastructure tests run the Linux x64 Bicep CLI: run them on Linux x64 (as CI does).");
            }

            // The package ships the binary executable by its owner only; make sure whoever runs the tests may run it.
            var mode = File.GetUnixFileMode(bicep);
            const UnixFileMode Execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(bicep, mode | Execute);
            }

            return bicep;
        }
    }

    private static string Metadata(string key)
    {
        var value = typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == key)?.Value;
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidOperationException($"Assembly metadata '{key}' is missing: build the test project with dotnet build/test.");
        }

        return value;
    }
}

/// <summary>Result of a finished process.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Combined => StandardOutput + StandardError;
}

internal static class ProcessRunner
{
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, bool clearEnvironment = false)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (clearEnvironment)
        {
            var path = Environment.GetEnvironmentVariable("PATH");
            var home = Environment.GetEnvironmentVariable("HOME");
            start.Environment.Clear();
            start.Environment["PATH"] = path;
            start.Environment["HOME"] = home;
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    /// <summary>Full path of a program on PATH, or null.</summary>
    public static string? Which(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
