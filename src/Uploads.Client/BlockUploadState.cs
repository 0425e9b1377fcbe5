namespace Uploads.Client;

/// <summary>
/// What one block upload has stored, and the journal a rerun resumes from: the upload's path and the blocks staged
/// under it (resumed ones included). Blocks finish on several threads at once: each change is written to the journal
/// (<see cref="UploadJournal.Write"/>) under one lock, so the journal always names every block recorded before it.
/// </summary>
internal sealed class BlockUploadState
{
    private readonly Lock _lock = new();
    private readonly string _journalPath;
    private readonly HashSet<int> _staged;
    private UploadJournal _journal;

    public BlockUploadState(string journalPath, UploadJournal journal)
    {
        _journalPath = journalPath;
        _journal = journal;
        _staged = [.. journal.StagedBlocks];
    }

    /// <summary>Where the upload goes: the path its URL was issued for (a new one after a <see cref="Restart"/>).</summary>
    public string BlobPath
    {
        get
        {
            lock (_lock)
            {
                return _journal.BlobPath;
            }
        }
    }

    /// <summary>Writes the journal as it stands (before the first block: so it names the path).</summary>
    public void Save()
    {
        lock (_lock)
        {
            Write();
        }
    }

    /// <summary>A block storage acknowledged.</summary>
    public void Staged(int index)
    {
        lock (_lock)
        {
            _staged.Add(index);
            Write();
        }
    }

    /// <summary>The upload starts over under a new path: nothing is staged there.</summary>
    public void Restart(string blobPath)
    {
        lock (_lock)
        {
            _journal = _journal with { BlobPath = blobPath };
            _staged.Clear();
            Write();
        }
    }

    /// <summary>The block list is committed: nothing is left to resume.</summary>
    public void Complete() => File.Delete(_journalPath);

    private void Write() => (_journal with { StagedBlocks = [.. _staged.Order()] }).Write(_journalPath);
}
