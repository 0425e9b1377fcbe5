namespace Uploads.EndToEnd.Tests.Support;

/// <summary>Files on disk for client scenarios, in a folder deleted with the instance.</summary>
public sealed class TestFiles : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("uploads-e2e-");

    /// <summary>Writes <paramref name="length"/> bytes starting with <paramref name="head"/>, the rest random.</summary>
    public string Create(string name, long length, ReadOnlySpan<byte> head = default)
    {
        var path = Path.Combine(_directory.FullName, name);
        using var file = File.Create(path);
        var buffer = new byte[1024 * 1024];
        long written = 0;
        while (written < length)
        {
            Random.Shared.NextBytes(buffer);
            if (written == 0)
            {
                head.CopyTo(buffer);
            }

            var count = (int)Math.Min(buffer.Length, length - written);
            file.Write(buffer, 0, count);
            written += count;
        }

        return path;
    }

    /// <summary>Copies a file of the committed fixture corpus (tests/fixtures/corpus) under a new name.</summary>
    public string FromCorpus(string corpusName, string? asName = null)
    {
        var source = Path.Combine(Uploads.Testing.RepositoryRoot.Find(), "tests", "fixtures", "corpus", corpusName);
        var path = Path.Combine(_directory.FullName, asName ?? corpusName);
        File.Copy(source, path, overwrite: true);
        return path;
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
