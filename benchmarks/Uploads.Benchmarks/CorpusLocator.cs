namespace Uploads.Benchmarks;

/// <summary>Finds tests/fixtures/corpus by walking up from the working directory and the assembly's directory.</summary>
internal static class CorpusLocator
{
    public static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "corpus");
                if (File.Exists(Path.Combine(candidate, "manifest.tsv")))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures/corpus not found above the working directory; pass it as an argument.");
    }
}
