using System.Text.Json;

namespace Uploads.Client;

/// <summary>
/// What a rerun needs to resume a presigned upload: the path it began, the file it was (size and modification
/// time: a changed file starts over), the block size, and the blocks this client knows were staged. Storage's own
/// list (returned by the renewal) is the truth; the journal is how a rerun finds the path again. <see cref="Sha256"/> is
/// what the first run declared for the path: a rerun hashes the whole file again and resumes only when it is the same
/// (a file changed under the same size and time would otherwise be rejected for its declaration at the end).
/// </summary>
internal sealed record UploadJournal(string BlobPath, string ContentType, long SizeBytes, DateTime LastWriteUtc, int BlockBytes, IReadOnlyList<int> StagedBlocks, string? Sha256 = null)
{
    public static string PathFor(string file, string? directory)
    {
        if (directory is null)
        {
            return file + ".upload.json";
        }

        var full = Path.GetFullPath(file);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(full)))[..16];
        return Path.Combine(directory, $"{Path.GetFileName(file)}.{hash}.upload.json");
    }

    public static UploadJournal? TryRead(string journalPath)
    {
        try
        {
            return File.Exists(journalPath) ? JsonSerializer.Deserialize(File.ReadAllBytes(journalPath), ClientJsonContext.Default.UploadJournal) : null;
        }
        catch (JsonException)
        {
            return null; // a torn or foreign file: start over
        }
    }

    /// <summary>Whether the journal is of this file as it is now (same size, modification time, type and declared digest): only then can its upload resume.</summary>
    public bool IsFor(CheckedFile file, DateTime lastWriteUtc, string? sha256) =>
        SizeBytes == file.SizeBytes && LastWriteUtc == lastWriteUtc && ContentType == file.Type.MediaType && Sha256 == sha256;

    /// <summary>Written to a temporary file then moved over the old one, so a crash leaves the old or the new journal.</summary>
    public void Write(string journalPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(journalPath))!;
        Directory.CreateDirectory(directory);
        var temporary = journalPath + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(this, ClientJsonContext.Default.UploadJournal));
        File.Move(temporary, journalPath, overwrite: true);
    }
}
