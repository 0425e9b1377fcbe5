using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Uploads.Functions.Http;

/// <summary>
/// The request body as a read-only stream whose reads may be cancelled (the invocation's token: the host cancels it)
/// without breaking the server's request. Kestrel's own body stream, cancelled through a read's token, leaves its body
/// reader marked as reading (it resets that only for a dropped connection); once the function has answered, Kestrel
/// drains the unread body, finds it "reading", logs an error ("Reading is already in progress.") and closes the
/// connection. Here a cancelled token cancels the pending read with <see cref="PipeReader.CancelPendingRead"/>, and
/// that read is completed (<see cref="PipeReader.AdvanceTo(SequencePosition)"/>) before the
/// <see cref="OperationCanceledException"/> is thrown: no read is left outstanding when the function answers.
/// Disposing it leaves the body to the server.
/// </summary>
internal sealed class CancellableRequestBody(PipeReader body) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            ReadResult result;
            using (cancellationToken.UnsafeRegister(static reader => ((PipeReader)reader!).CancelPendingRead(), body))
            {
                try
                {
                    result = await body.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (ConnectionAbortedException ex)
                {
                    // As Kestrel's own body stream reports a dropped connection.
                    throw new TaskCanceledException("The request was aborted", ex);
                }
            }

            var data = result.Buffer;
            if (result.IsCanceled)
            {
                body.AdvanceTo(data.Start);
                throw new OperationCanceledException("The read of the request body was cancelled.", cancellationToken);
            }

            if (data.IsEmpty && !result.IsCompleted)
            {
                body.AdvanceTo(data.Start, data.End);
                continue;
            }

            var count = (int)Math.Min(buffer.Length, data.Length);
            data.Slice(0, count).CopyTo(buffer.Span);
            body.AdvanceTo(data.GetPosition(count));
            return count;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>The server reads request bodies asynchronously only.</summary>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read the request body asynchronously.");

    public override void Flush() => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
