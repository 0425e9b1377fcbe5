using Uploads.Policy;

namespace Uploads.Client;

/// <summary>A file that passed the pre-flight checks: its resolved type and size.</summary>
public sealed record CheckedFile(string Path, string FileName, long SizeBytes, AllowedContentType Type);

/// <summary>
/// The guide's "Validate before uploading", with the server's own checks (<see cref="PreCheck"/>): the file exists,
/// is readable and not empty, its extension and declared type resolve to one allowed type, and it is within that
/// category's limit. A refusal is what the server would answer (415/413), before a byte is sent.
/// </summary>
public static class Preflight
{
    public static CheckedFile Check(string path, string? contentType = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new UploadRefusedException(path, $"File not found: {path}");
        }

        try
        {
            using var probe = info.OpenRead();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new UploadRefusedException(path, $"File not readable: {path} ({ex.Message})");
        }

        if (info.Length == 0)
        {
            throw new UploadRefusedException(path, $"File is empty: {path}");
        }

        // The server's own checks and words (PreCheck, as POST /url runs them): the title and detail it would answer.
        var check = PreCheck.Of(info.Name, contentType, info.Length);
        if (check.Problem is { } problem)
        {
            throw new UploadRefusedException(path, $"{info.Name}: {problem.Title} {problem.Detail}");
        }

        var type = check.Type!;
        return new CheckedFile(info.FullName, info.Name, info.Length, type);
    }
}

/// <summary>How a file is cut into blocks.</summary>
public sealed record BlockPlan(long FileBytes, int BlockBytes)
{
    public int Count => (int)((FileBytes + BlockBytes - 1) / BlockBytes);

    /// <summary>
    /// The block size for a file: the requested one (or 8 MiB), raised until the file fits in Azure's 50,000 blocks,
    /// never above its 4,000 MiB block limit.
    /// </summary>
    public static BlockPlan For(long fileBytes, int? requested = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fileBytes);
        long size = requested ?? Constants.DefaultBlockBytes;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var smallest = (fileBytes + Constants.MaxBlocks - 1) / Constants.MaxBlocks;
        if (size < smallest)
        {
            size = (smallest + ByteSize.MiB - 1) / ByteSize.MiB * ByteSize.MiB;
        }

        if (size > Constants.MaxBlockBytes || size > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(fileBytes), fileBytes, "The file is too large for a block blob.");
        }

        return new BlockPlan(fileBytes, (int)size);
    }

    public long OffsetOf(int index) => (long)index * BlockBytes;

    public int LengthOf(int index) => (int)Math.Min(BlockBytes, FileBytes - OffsetOf(index));

    /// <summary>Block ids are the same length for every block of a blob, as Azure requires; they name the index.</summary>
    public static string IdOf(int index) => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"uploads-block-{index:D6}"));
}
