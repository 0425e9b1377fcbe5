using System.Buffers;
using System.Buffers.Binary;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Uploads.Core.Storage;

/// <summary>
/// Streams data into a new block blob without ever holding more than one block in memory.
/// Nothing becomes visible until <see cref="CommitAsync"/>: staged blocks that are never committed do not form a blob
/// (storage discards them after a week), so an upload that fails, is refused or is abandoned leaves no blob.
/// A file that fits in one block is written with a single Put Blob at commit time.
/// The commit is conditional on the blob not existing (<c>If-None-Match: *</c>): it never replaces anything.
/// </summary>
internal sealed class StagedBlockWriter : IDisposable
{
    private readonly BlockBlobClient _blob;
    private readonly List<string> _blockIds = [];
    private byte[]? _buffer;
    private int _filled;

    public StagedBlockWriter(BlockBlobClient blob, int blockBytes)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockBytes, 1);
        _blob = blob;
        _buffer = ArrayPool<byte>.Shared.Rent(blockBytes);
        BlockBytes = blockBytes;
    }

    public int BlockBytes { get; }

    /// <summary>Bytes accepted so far.</summary>
    public long Length { get; private set; }

    /// <summary>Free space of the current block, to read into directly (then call <see cref="AdvanceAsync"/>).</summary>
    public Memory<byte> GetMemory() => Buffer.AsMemory(_filled, BlockBytes - _filled);

    /// <summary>Accounts for <paramref name="count"/> bytes written into <see cref="GetMemory"/>; stages the block once full.</summary>
    public async ValueTask AdvanceAsync(int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, BlockBytes - _filled);
        _filled += count;
        Length += count;
        if (_filled == BlockBytes)
        {
            await StageAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Makes the blob visible with its content type and metadata; fails if a blob of that name exists.</summary>
    public async Task<BlobContentInfo> CommitAsync(BlobHttpHeaders headers, IDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var conditions = new BlobRequestConditions { IfNoneMatch = ETag.All };
        if (_blockIds.Count == 0)
        {
            using var single = new MemoryStream(Buffer, 0, _filled, writable: false);
            var response = await _blob.UploadAsync(single, new BlobUploadOptions { HttpHeaders = headers, Metadata = metadata, Conditions = conditions }, cancellationToken).ConfigureAwait(false);
            return response.Value;
        }

        if (_filled > 0)
        {
            await StageAsync(cancellationToken).ConfigureAwait(false);
        }

        var committed = await _blob.CommitBlockListAsync(_blockIds, new CommitBlockListOptions { HttpHeaders = headers, Metadata = metadata, Conditions = conditions }, cancellationToken).ConfigureAwait(false);
        return committed.Value;
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(StagedBlockWriter));

    private async Task StageAsync(CancellationToken cancellationToken)
    {
        // Fixed-length ids (all ids of a blob must have the same length): the block's index, base64.
        Span<byte> id = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(id, _blockIds.Count);
        var blockId = Convert.ToBase64String(id);
        using (var content = new MemoryStream(Buffer, 0, _filled, writable: false))
        {
            await _blob.StageBlockAsync(blockId, content, new BlockBlobStageBlockOptions(), cancellationToken).ConfigureAwait(false);
        }

        _blockIds.Add(blockId);
        _filled = 0;
    }
}
