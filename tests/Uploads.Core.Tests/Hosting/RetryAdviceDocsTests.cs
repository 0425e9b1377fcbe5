using System.Globalization;
using System.Text.RegularExpressions;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Core.Tests.Hosting;

/// <summary>The 5 s "not yet" has one owner, <see cref="RetryAdvice.NotYet"/>: the docs that quote it say what the code sends.</summary>
public sealed partial class RetryAdviceDocsTests
{
    [Fact]
    public void Docs_RetryAfterQuoted_IsRetryAdviceNotYet()
    {
        var root = RepositoryRoot.Find();
        var files = Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md"));
        var expected = ((long)RetryAdvice.NotYet.TotalSeconds).ToString(CultureInfo.InvariantCulture);

        var quoted = files.SelectMany(f => QuotedRetryAfter().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Seconds: m.Groups[1].Value))).ToList();

        Assert.NotEmpty(quoted);
        Assert.All(quoted, q => Assert.True(q.Seconds == expected, $"{q.File} quotes Retry-After: {q.Seconds}; the API sends {expected} (RetryAdvice.NotYet)."));
    }

    [GeneratedRegex(@"Retry-After: ([0-9]+)")]
    private static partial Regex QuotedRetryAfter();
}
