using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Uploads.EndToEnd.Tests.Support;

/// <summary>
/// A command run in a pseudo-terminal of a chosen size (a tmux server of its own, on its own socket), whose screen a
/// test reads as a person sees it: rows as drawn (a row that wrapped is two rows), or with wrapped rows joined (so a
/// line longer than the width shows as one, longer line). tmux's <c>scroll-on-clear</c> is off: erasing the screen
/// from its first row must not copy the erased frame into the history a test reads.
/// </summary>
internal sealed class TerminalSession : IAsyncDisposable
{
    private readonly string _socket = "uploads-e2e-" + Guid.NewGuid().ToString("N")[..12];
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("uploads-tty-");

    private TerminalSession()
    {
    }

    /// <summary>
    /// Starts <paramref name="command"/> in <paramref name="workingDirectory"/>, in a terminal of <paramref name="columns"/>
    /// by <paramref name="rows"/>, below <paramref name="linesBefore"/> empty lines (a shell's earlier output: on a
    /// resize, tmux keeps the cursor's row and pushes the rows that no longer fit above it into its history, out of
    /// reach of the program, so a display that must be erased whole on a resize is not started on the first row).
    /// </summary>
    public static async Task<TerminalSession> StartAsync(int columns, int rows, string workingDirectory, IReadOnlyDictionary<string, string?> environment, IEnumerable<string> command, int linesBefore = 0)
    {
        var session = new TerminalSession();
        var script = new StringBuilder("cd ").Append(Quote(workingDirectory)).Append('\n');
        script.Append("printf '").Append(string.Concat(Enumerable.Repeat("\\n", linesBefore))).Append("'\n");
        foreach (var (name, value) in environment)
        {
            script.Append(value is null ? $"unset {name}\n" : $"export {name}={Quote(value)}\n");
        }

        // The exit code to a file, a signal to the test, then the pane stays (cat waits on the terminal) to be read.
        script.Append(string.Join(' ', command.Select(Quote))).Append('\n')
            .Append("echo $? > ").Append(Quote(session.ExitCodePath)).Append('\n')
            .Append("tmux -L ").Append(session._socket).Append(" wait-for -S done\n")
            .Append("exec cat\n");
        var scriptPath = Path.Combine(session._directory.FullName, "run.sh");
        await File.WriteAllTextAsync(scriptPath, script.ToString());
        var configuration = Path.Combine(session._directory.FullName, "tmux.conf");
        await File.WriteAllTextAsync(configuration, "set -g scroll-on-clear off\nset -g history-limit 5000\nset -g status off\n");
        await session.TmuxAsync(
            "-f", configuration, "new-session", "-d", "-s", "cli",
            "-x", columns.ToString(CultureInfo.InvariantCulture), "-y", rows.ToString(CultureInfo.InvariantCulture),
            "bash " + Quote(scriptPath));
        return session;
    }

    private string ExitCodePath => Path.Combine(_directory.FullName, "exit-code");

    /// <summary>The screen as text; <paramref name="joined"/> joins rows that wrapped, <paramref name="history"/> adds what scrolled off the top.</summary>
    public Task<string> ScreenAsync(bool joined = false, bool history = true)
    {
        var arguments = new List<string> { "capture-pane", "-p", "-t", "cli" };
        if (joined)
        {
            arguments.Add("-J");
        }

        if (history)
        {
            arguments.AddRange(["-S", "-"]);
        }

        return TmuxAsync([.. arguments]);
    }

    /// <summary>Resizes the terminal, as a person dragging the window's edge (the program gets SIGWINCH).</summary>
    public Task ResizeAsync(int columns, int rows) =>
        TmuxAsync("resize-window", "-t", "cli", "-x", columns.ToString(CultureInfo.InvariantCulture), "-y", rows.ToString(CultureInfo.InvariantCulture));

    /// <summary>Types keys (tmux names: <c>C-c</c> is Ctrl+C).</summary>
    public Task SendKeysAsync(string keys) => TmuxAsync("send-keys", "-t", "cli", keys);

    /// <summary>Waits until the command has exited; its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await TmuxAsync(timeout.Token, "wait-for", "done");
        return int.Parse((await File.ReadAllTextAsync(ExitCodePath)).Trim(), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await TmuxAsync("kill-server");
        _directory.Delete(recursive: true);
    }

    private Task<string> TmuxAsync(params string[] arguments) => TmuxAsync(CancellationToken.None, arguments);

    private async Task<string> TmuxAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(_socket);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("tmux did not start (.ci/run installs it).");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        return process.ExitCode == 0 || arguments[0] == "kill-server"
            ? await stdout
            : throw new InvalidOperationException($"tmux {string.Join(' ', arguments)}: exit {process.ExitCode}: {await stderr}");
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
