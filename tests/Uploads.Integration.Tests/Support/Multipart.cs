using System.Net.Http.Headers;

namespace Uploads.Integration.Tests.Support;

/// <summary>Request bodies as clients send them: a real multipart/form-data encoder (System.Net.Http).</summary>
internal static class Multipart
{
    public static async Task<(Stream Body, string ContentType, long Length)> FileAsync(string fileName, byte[] content, string? partContentType = null, string field = "file")
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(content);
        if (partContentType is not null)
        {
            part.Headers.ContentType = MediaTypeHeaderValue.Parse(partContentType);
        }

        form.Add(part, field, fileName);
        return await EncodeAsync(form);
    }

    public static async Task<(Stream Body, string ContentType, long Length)> EncodeAsync(MultipartFormDataContent form)
    {
        var body = new MemoryStream();
        await form.CopyToAsync(body);
        body.Position = 0;
        return (body, form.Headers.ContentType!.ToString(), body.Length);
    }

    /// <summary>A body stream that fails after <paramref name="failAfter"/> bytes, like a client that disconnects mid-upload.</summary>
    public sealed class DisconnectingStream(Stream inner, long failAfter) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= failAfter)
            {
                throw new IOException("The client disconnected.");
            }

            var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, failAfter - _position)], cancellationToken);
            _position += read;
            return read;
        }

        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A non-seekable view of a stream, as a chunked request body is (no length known).</summary>
    public sealed class ChunkedStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 8192));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer[..Math.Min(buffer.Length, 8192)], cancellationToken);

        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
