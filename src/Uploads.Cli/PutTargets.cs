using System.IO.Enumeration;

namespace Uploads.Cli;

/// <summary>A file <c>put</c> will upload, or an argument it cannot (with the reason and the exit code it costs).</summary>
internal sealed record PutTarget(string Path, long SizeBytes, string? Refusal = null, int ExitCode = ExitCodes.Success);

/// <summary>
/// The files a <c>put</c> names: files as given, directories walked with <c>--recursive</c>, and patterns
/// (<c>*</c>, <c>?</c>, <c>**</c> for any depth) expanded here too, for shells that pass them on unexpanded (a quoted
/// <c>'*.pdf'</c>, Windows); the directories a pattern matches are walked with <c>--recursive</c> and left out
/// without it. As shells do, a pattern's <c>*</c> and <c>?</c> do not match a leading dot, and a walk
/// skips hidden entries and resume journals (<c>*.upload.json</c>); neither a walk nor <c>**</c> descends a symbolic
/// link to a directory. Each file once, in the order named.
/// </summary>
internal static class PutTargets
{
    private static readonly EnumerationOptions Listing = new() { IgnoreInaccessible = true, AttributesToSkip = 0 };

    public static IReadOnlyList<PutTarget> Expand(IEnumerable<string> arguments, bool recursive)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var targets = new List<PutTarget>();
        var seen = new HashSet<string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        void Add(PutTarget target)
        {
            if (target.Refusal is not null || seen.Add(Path.GetFullPath(target.Path)))
            {
                targets.Add(target);
            }
        }

        foreach (var argument in arguments)
        {
            if (File.Exists(argument) || Directory.Exists(argument) || !IsPattern(argument))
            {
                foreach (var target in FromPath(argument, recursive, argument))
                {
                    Add(target);
                }

                continue;
            }

            var matches = Match(argument).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            if (matches.Length == 0)
            {
                Add(new PutTarget(argument, 0, $"{argument} matches no file.", ExitCodes.RefusedByPolicy));
            }

            // A pattern names files: the directories it matches are walked with --recursive, else left out.
            foreach (var target in matches.Where(match => recursive || !Directory.Exists(match)).SelectMany(match => FromPath(match, recursive, argument)))
            {
                Add(target);
            }
        }

        return targets;
    }

    /// <summary>The refusal of a directory named without <c>--recursive</c> (a usage error, not "File not found").</summary>
    public static string DirectoryWithoutRecursive(string path) =>
        $"{path} is a directory; add --recursive to upload every file under it ({Commands.Name} put {path} --recursive), or name its files.";

    private static IEnumerable<PutTarget> FromPath(string path, bool recursive, string argument)
    {
        if (!Directory.Exists(path))
        {
            yield return new PutTarget(path, File.Exists(path) ? new FileInfo(path).Length : 0);
            yield break;
        }

        if (!recursive)
        {
            yield return new PutTarget(path, 0, DirectoryWithoutRecursive(path), ExitCodes.Usage);
            yield break;
        }

        var files = Walk(path).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            yield return new PutTarget(path, 0, $"{argument}: the directory {path} holds no file to upload.", ExitCodes.RefusedByPolicy);
        }

        foreach (var file in files)
        {
            yield return new PutTarget(file, new FileInfo(file).Length);
        }
    }

    private static FileSystemEnumerable<string> Walk(string directory) =>
        new FileSystemEnumerable<string>(directory, (ref entry) => entry.ToSpecifiedFullPath(), new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System })
        {
            ShouldIncludePredicate = (ref entry) => !entry.IsDirectory && !IsHidden(entry.FileName) && !IsJournal(entry.FileName),
            ShouldRecursePredicate = (ref entry) => !IsHidden(entry.FileName) && (entry.Attributes & FileAttributes.ReparsePoint) == 0,
        };

    private static bool IsPattern(string argument) => argument.AsSpan().IndexOfAny('*', '?') >= 0;

    private static bool IsHidden(ReadOnlySpan<char> name) => name.StartsWith('.');

    private static bool IsJournal(ReadOnlySpan<char> name) => name.EndsWith(".upload.json", StringComparison.Ordinal) || name.EndsWith(".upload.json.tmp", StringComparison.Ordinal);

    /// <summary>The paths <paramref name="pattern"/> names, walking only from its first segment with a wildcard.</summary>
    private static IEnumerable<string> Match(string pattern)
    {
        var separators = OperatingSystem.IsWindows() ? new[] { '/', '\\' } : ['/'];
        var root = Path.GetPathRoot(pattern) ?? string.Empty;
        var segments = pattern[root.Length..].Split(separators, StringSplitOptions.RemoveEmptyEntries);
        return MatchFrom(root, segments, 0);
    }

    private static IEnumerable<string> MatchFrom(string directory, string[] segments, int index)
    {
        if (index == segments.Length)
        {
            yield return directory;
            yield break;
        }

        var segment = segments[index];
        var listed = directory.Length == 0 ? "." : directory;
        if (segment == "**")
        {
            foreach (var match in MatchFrom(directory, segments, index + 1))
            {
                yield return match;
            }

            // Symbolic links to directories are not descended (a link to a parent would never end).
            foreach (var child in SafeList(listed, directories: true).Where(name => !IsHidden(name) && (File.GetAttributes(Path.Join(listed, name)) & FileAttributes.ReparsePoint) == 0))
            {
                foreach (var match in MatchFrom(Path.Join(directory, child), segments, index))
                {
                    yield return match;
                }
            }

            yield break;
        }

        if (!IsPattern(segment))
        {
            var next = Path.Join(directory, segment);
            if (index == segments.Length - 1 ? Path.Exists(next) : Directory.Exists(next))
            {
                foreach (var match in MatchFrom(next, segments, index + 1))
                {
                    yield return match;
                }
            }

            yield break;
        }

        var last = index == segments.Length - 1;
        foreach (var name in SafeList(listed, directories: !last))
        {
            if ((IsHidden(name) && !segment.StartsWith('.')) || !FileSystemName.MatchesSimpleExpression(segment, name, ignoreCase: OperatingSystem.IsWindows()))
            {
                continue;
            }

            foreach (var match in MatchFrom(Path.Join(directory, name), segments, index + 1))
            {
                yield return match;
            }
        }
    }

    /// <summary>The names in a directory (only its subdirectories, or every entry), none if it cannot be listed.</summary>
    private static IEnumerable<string> SafeList(string directory, bool directories)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var entries = directories ? Directory.EnumerateDirectories(directory, "*", Listing) : Directory.EnumerateFileSystemEntries(directory, "*", Listing);
        return entries.Select(Path.GetFileName).OfType<string>();
    }
}
