using System.Text;
using System.Text.RegularExpressions;

namespace Uploads.Benchmarks.Support;

/// <summary>Where a measurement mode runs: the usage text lists the modes by this, in this order.</summary>
internal enum ModeKind
{
    /// <summary>In this process: services, sniffer or storage called directly.</summary>
    InProcess,

    /// <summary>Through the BUILT worker run by the host emulator, against Azurite.</summary>
    ThroughWorker,

    /// <summary>Not listed: the child process of another mode.</summary>
    Internal,
}

/// <summary>
/// One measurement mode: its name on the command line, what it measures, its options and operand (these three only
/// for the usage text), and what runs it with the whole command line (<c>args[0]</c> is the name).
/// </summary>
internal sealed record MeasurementMode(string Name, ModeKind Kind, string Measures, string Options, Func<string[], Task<int>> Run, string Operand = "")
{
    /// <summary>The name as the usage text shows it, with its operand.</summary>
    public string Label => Operand.Length == 0 ? Name : $"{Name} {Operand}";
}

/// <summary>
/// The registry of measurement modes: it dispatches a command line to its mode and writes the usage text from the
/// same entries, so a mode cannot run without being listed (nor be listed without running). Adding a mode is one
/// line in <see cref="MeasurementModes.All"/> (Program.cs).
/// </summary>
internal sealed partial class MeasurementModes(IReadOnlyList<MeasurementMode> all)
{
    private const int Width = 118;
    private const int NameColumn = 26;

    public IReadOnlyList<MeasurementMode> All { get; } = Validated(all);

    /// <summary>The mode named by <paramref name="args"/>[0], or null (then BenchmarkDotNet's switcher takes the line).</summary>
    public MeasurementMode? Find(string[] args) =>
        args.Length > 0 ? All.FirstOrDefault(mode => string.Equals(mode.Name, args[0], StringComparison.Ordinal)) : null;

    /// <summary>The usage text: every listed mode with what it measures and its options, by <see cref="ModeKind"/>.</summary>
    public string Usage()
    {
        var text = new StringBuilder();
        text.AppendLine("Measurement modes (dotnet run -c Release --project benchmarks/Uploads.Benchmarks -- <mode> [options]); docs/measurements.md:");
        Append(text, ModeKind.InProcess);
        text.AppendLine("Through the real app: the BUILT worker (dotnet build -c Release src/Uploads.Functions) run by the host emulator");
        text.AppendLine("(in this process; the worker is a process of its own, and the one whose CPU and memory are reported), against Azurite:");
        Append(text, ModeKind.ThroughWorker);
        text.Append("Every mode stops by itself (bounded in count and time) and sends traffic to 127.0.0.1 only.");
        return text.ToString();
    }

    private void Append(StringBuilder text, ModeKind kind)
    {
        foreach (var mode in All.Where(m => m.Kind == kind))
        {
            // Words of the description, then each bracketed option whole: an option is never split over two lines.
            var words = mode.Measures.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Concat(OptionPattern().Matches(mode.Options).Select(m => m.Value));
            var line = new StringBuilder("  ").Append(mode.Label.PadRight(NameColumn - 2));
            var empty = true;
            foreach (var word in words)
            {
                if (!empty && line.Length + 1 + word.Length > Width)
                {
                    text.AppendLine(line.ToString());
                    line.Clear().Append(' ', NameColumn);
                    empty = true;
                }

                line.Append(empty ? "" : " ").Append(word);
                empty = false;
            }

            text.AppendLine(line.ToString());
        }
    }

    [GeneratedRegex(@"\[[^\]]*\]|\S+")]
    private static partial Regex OptionPattern();

    private static IReadOnlyList<MeasurementMode> Validated(IReadOnlyList<MeasurementMode> all)
    {
        var twice = all.GroupBy(m => m.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return twice is null
            ? all
            : throw new InvalidOperationException($"The measurement mode {twice.Key} is registered {twice.Count()} times.");
    }
}
