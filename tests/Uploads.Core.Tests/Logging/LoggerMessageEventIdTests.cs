using System.Text.RegularExpressions;
using Uploads.Testing;

namespace Uploads.Core.Tests.Logging;

/// <summary>
/// Every <c>[LoggerMessage]</c> of the shipped code (src/, all projects) has an explicit event id, and no two share
/// one: the ids are what Application Insights queries and alerts filter on (docs/deploy.md names 2001, 2002, 2101).
/// </summary>
public sealed partial class LoggerMessageEventIdTests
{
    [GeneratedRegex(@"\[LoggerMessage\((?<arguments>[^\]]*)\)\]", RegexOptions.Singleline)]
    private static partial Regex LoggerMessage();

    [GeneratedRegex(@"EventId\s*=\s*(?<id>\d+)")]
    private static partial Regex EventId();

    [Fact]
    public void LoggerMessages_AcrossSrc_EachHasAUniqueEventId()
    {
        var src = Path.Combine(RepositoryRoot.Find(), "src");
        var definitions = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                     && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => LoggerMessage().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetRelativePath(src, f), m.Groups["arguments"].Value)))
            .ToList();

        Assert.True(definitions.Count >= 30, $"Found only {definitions.Count} [LoggerMessage] definitions: is the scan looking in the right place?");
        var missing = definitions.Where(d => !EventId().IsMatch(d.Value)).Select(d => d.File).ToList();
        Assert.True(missing.Count == 0, "[LoggerMessage] without an EventId in: " + string.Join(", ", missing));
        var duplicates = definitions
            .GroupBy(d => int.Parse(EventId().Match(d.Value).Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture))
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(d => d.File))}")
            .ToList();
        Assert.True(duplicates.Count == 0, "Event ids used more than once: " + string.Join("; ", duplicates));
    }
}
