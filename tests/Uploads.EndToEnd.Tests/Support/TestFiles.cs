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

    /// <summary>Writes <paramref name="length"/> bytes of numbered ASCII lines: a file that verifies as text/plain.</summary>
    public string CreateText(string name, long length)
    {
        var path = Path.Combine(_directory.FullName, name);
        using (var file = File.Create(path))
        {
            var line = 0;
            while (file.Length < length)
            {
                var bytes = System.Text.Encoding.ASCII.GetBytes($"line {line++:D9} of a text file uploaded in blocks\n");
                file.Write(bytes, 0, (int)Math.Min(bytes.Length, length - file.Length));
            }
        }

        return path;
    }

    /// <summary>The folder the files are in.</summary>
    public string DirectoryPath => _directory.FullName;

    /// <summary>Copies a file of the committed fixture corpus (tests/fixtures/corpus) under a new name.</summary>
    public string FromCorpus(string corpusName, string? asName = null)
    {
        var source = Uploads.Testing.TestFixtures.CorpusFile(corpusName);
        var path = Path.Combine(_directory.FullName, asName ?? corpusName);
        File.Copy(source, path, overwrite: true);
        return path;
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
