using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Uploads.Core.Uploads.Multipart;
using Uploads.Policy;

namespace Uploads.Core.Tests.Uploads;

/// <summary>The multipart reader alone, fed raw bodies: what it yields, what it refuses and why, and what it reads.</summary>
public sealed class MultipartFormReaderTests
{
    private const string Boundary = "b0und4ry";
    private const string ContentType = "multipart/form-data; boundary=" + Boundary;

    private static readonly byte[] Digest = SHA256.HashData("hello"u8);

    private static string Field(string name, string value) =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n";

    private static string FilePart(string content, string fileName = "report.pdf", string name = "file", string type = "application/pdf") =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{fileName}\"\r\nContent-Type: {type}\r\n\r\n{content}\r\n";

    private static string Body(params string[] parts) => string.Concat(parts) + $"--{Boundary}--\r\n";

    private static MultipartFormReader Open(string body, string contentType = ContentType) => Open(new MemoryStream(Encoding.UTF8.GetBytes(body)), contentType);

    private static MultipartFormReader Open(Stream body, string contentType = ContentType)
    {
        var opened = MultipartFormReader.Open(contentType, body);
        Assert.Null(opened.Problem);
        return opened.Value!;
    }

    private static async Task<string> ReadAllAsync(Stream content)
    {
        using var reader = new StreamReader(content, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Reads the file part and its content; the problem if the reader refuses the body before the file.</summary>
    private static async Task<(MultipartFile? File, string? Content, UploadProblem? Problem)> ReadFileAsync(MultipartFormReader reader)
    {
        var file = await reader.ReadFileAsync(CancellationToken.None);
        return file.Problem is { } problem ? (null, null, problem) : (file.Value, await ReadAllAsync(file.Value!.Content), null);
    }

    private static async Task<UploadProblem?> ReadToEndAfterFileAsync(string body)
    {
        using var reader = Open(body);
        var (_, _, problem) = await ReadFileAsync(reader);
        Assert.Null(problem);
        return await reader.ReadToEndAsync(CancellationToken.None);
    }

    private static void AssertProblem(UploadProblem? problem, string code, string detailContains)
    {
        Assert.NotNull(problem);
        Assert.Equal(400, problem.Status);
        Assert.Equal(code, problem.Code);
        Assert.Contains(detailContains, problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("multipart/mixed; boundary=b")]
    [InlineData("not a media type")]
    public void Open_NotMultipartFormData_NotMultipart(string? contentType)
    {
        var opened = MultipartFormReader.Open(contentType, Stream.Null);

        AssertProblem(opened.Problem, ProblemCodes.NotMultipart, "Send the file as multipart/form-data with the field name \"file\".");
    }

    [Theory]
    [InlineData("multipart/form-data")]
    [InlineData("multipart/form-data; boundary=\"\"")]
    [InlineData("multipart/form-data; boundary=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void Open_NoBoundaryOrLongerThan70_NotMultipart(string contentType)
    {
        var opened = MultipartFormReader.Open(contentType, Stream.Null);

        AssertProblem(opened.Problem, ProblemCodes.NotMultipart, "has no valid boundary");
    }

    [Fact]
    public async Task ReadFileAsync_QuotedBoundaryOf70Characters_ReadsTheFile()
    {
        var boundary = new string('q', 70);
        var body = $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7\r\n--{boundary}--\r\n";
        using var reader = Open(body, $"Multipart/Form-Data; boundary=\"{boundary}\"");

        var (file, content, problem) = await ReadFileAsync(reader);

        Assert.Null(problem);
        Assert.Equal("a.pdf", file!.FileName);
        Assert.Equal("%PDF-1.7", content);
    }

    [Fact]
    public async Task ReadFileAsync_SeveralFieldsBeforeTheFile_FileNameTypeAndContentAndFieldsIgnored()
    {
        using var reader = Open(Body(Field("title", "Quarterly"), Field("note", new string('n', 1000)), FilePart("%PDF-1.7 body", "q3.pdf")));

        var (file, content, problem) = await ReadFileAsync(reader);

        Assert.Null(problem);
        Assert.Equal("q3.pdf", file!.FileName);
        Assert.Equal("application/pdf", file.ContentType);
        Assert.Equal("%PDF-1.7 body", content);
        Assert.Null(file.DeclaredSha256);
        Assert.Null(await reader.ReadToEndAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ReadFileAsync_PreambleAndFileWithoutContentType_FileWithNoDeclaredType()
    {
        var body = "This is the preamble.\r\n" + Body($"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n%PDF\r\n");
        using var reader = Open(body);

        var (file, content, problem) = await ReadFileAsync(reader);

        Assert.Null(problem);
        Assert.Null(file!.ContentType);
        Assert.Equal("%PDF", content);
    }

    [Fact]
    public async Task ReadFileAsync_ContentHoldsBoundaryLikeBytes_KeptAsContent()
    {
        // Only CRLF, "--" and the whole boundary end a part: the boundary without its CRLF, with one dash, or cut short is content.
        var content = $"--{Boundary} at the start\r\n-{Boundary}\r\n--{Boundary[..^1]}\r\nend";
        using var reader = Open(Body(FilePart(content)));

        var (_, read, problem) = await ReadFileAsync(reader);

        Assert.Null(problem);
        Assert.Equal(content, read);
    }

    [Fact]
    public async Task ReadFileAsync_BodyArrivesOneByteAtATime_SameFileAndEnd()
    {
        var body = Body(Field("sha256", Convert.ToBase64String(Digest)), FilePart("%PDF-1.7 streamed"), Field("after", "x"));
        using var reader = Open(new OneByteStream(Encoding.UTF8.GetBytes(body)));

        var (file, content, problem) = await ReadFileAsync(reader);

        Assert.Null(problem);
        Assert.Equal("%PDF-1.7 streamed", content);
        Assert.Equal(Digest, file!.DeclaredSha256);
        Assert.Null(await reader.ReadToEndAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ReadFileAsync_Sha256FieldBeforeTheFile_DeclaredDigest()
    {
        using var reader = Open(Body(Field("sha256", "  " + Convert.ToBase64String(Digest) + " "), FilePart("%PDF")));

        var (file, _, problem) = await ReadFileAsync(reader);

        Assert.Null(problem);
        Assert.Equal(Digest, file!.DeclaredSha256);
    }

    [Fact]
    public async Task ReadToEndAsync_OtherFieldAfterTheFile_BodyEndsWell()
    {
        var problem = await ReadToEndAfterFileAsync(Body(FilePart("%PDF"), Field("comment", "after the file")));

        Assert.Null(problem);
    }

    [Fact]
    public async Task ReadToEndAsync_BeforeTheFile_Throws()
    {
        using var reader = Open(Body(FilePart("%PDF")));

        await Assert.ThrowsAsync<InvalidOperationException>(() => reader.ReadToEndAsync(CancellationToken.None));
    }

    public static TheoryData<string, string, string, string> RefusedBeforeTheFile()
    {
        var digest = Convert.ToBase64String(Digest);
        var disposition = $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; ";
        return new()
        {
            { "two sha256 fields", Body(Field("sha256", digest), Field("sha256", digest), FilePart("%PDF")), ProblemCodes.InvalidField, "more than one \"sha256\" field. Send it once, before the file." },
            { "sha256 of 3 bytes", Body(Field("sha256", "AQID"), FilePart("%PDF")), ProblemCodes.InvalidField, "decodes to 3 bytes" },
            { "empty sha256", Body(Field("sha256", ""), FilePart("%PDF")), ProblemCodes.InvalidField, "it is empty" },
            { "sha256 over its 256 bytes", Body(Field("sha256", new string('A', 100_000)), FilePart("%PDF")), ProblemCodes.InvalidField, "\"sha256\" must be the base64" },
            { "no file part", Body(Field("title", "no file here")), ProblemCodes.MissingFile, "The body has no part named \"file\"" },
            { "only the closing boundary", Body(), ProblemCodes.MissingFile, "The body has no part named \"file\"" },
            { "file as a plain field", Body(Field("file", "%PDF")), ProblemCodes.MissingFileName, "The \"file\" part has no filename." },
            { "empty filename", Body(FilePart("%PDF", fileName: "")), ProblemCodes.MissingFileName, "The \"file\" part has no filename." },
            { "file in another field", Body(FilePart("%PDF", name: "upload")), ProblemCodes.UnexpectedFileField, "Send the file in the field named \"file\", not \"upload\"." },
            { "two filename", Body($"{disposition}filename=\"a.pdf\"; filename=\"b.exe\"\r\n\r\n%PDF\r\n"), ProblemCodes.AmbiguousFileName, "names its file more than once" },
            { "two filename*", Body($"{disposition}filename=\"a.pdf\"; filename*=UTF-8''b.pdf; filename*=UTF-8''c.exe\r\n\r\n%PDF\r\n"), ProblemCodes.AmbiguousFileName, "names its file more than once" },
            { "no Content-Disposition", Body($"--{Boundary}\r\nContent-Type: text/plain\r\n\r\n%PDF\r\n"), ProblemCodes.MalformedMultipart, "Every part of the body needs a Content-Disposition: form-data header." },
            { "attachment disposition", Body($"--{Boundary}\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n\r\n%PDF\r\n"), ProblemCodes.MalformedMultipart, "Every part of the body needs a Content-Disposition: form-data header." },
            { "field over 64 KiB", Body(Field("note", new string('n', MultipartFormReader.MaxOtherFieldBytes + 1)), FilePart("%PDF")), ProblemCodes.FieldTooLarge, "The form field \"note\" is too large" },
            { "17 parts", Body([.. Enumerable.Range(0, MultipartFormReader.MaxParts).Select(i => Field($"f{i}", "x")), FilePart("%PDF")]), ProblemCodes.TooManyParts, $"more than {MultipartFormReader.MaxParts} parts" },
        };
    }

    [Theory]
    [MemberData(nameof(RefusedBeforeTheFile))]
    public async Task ReadFileAsync_BodyBreakingARuleBeforeTheFile_ProblemNamingIt(string rule, string body, string code, string detail)
    {
        using var reader = Open(body);

        var (file, _, problem) = await ReadFileAsync(reader);

        Assert.True(file is null, rule);
        AssertProblem(problem, code, detail);
    }

    public static TheoryData<string, string, string, string> RefusedAfterTheFile() => new()
    {
        { "sha256 after the file", Body(FilePart("%PDF"), Field("sha256", Convert.ToBase64String(Digest))), ProblemCodes.InvalidField, "The \"sha256\" field came after the \"file\" part. Send it before the file" },
        { "a second file", Body(FilePart("%PDF one", "one.pdf"), FilePart("%PDF two", "two.pdf")), ProblemCodes.SeveralFiles, "Send exactly one \"file\" part per request" },
        { "17 parts", Body([FilePart("%PDF"), .. Enumerable.Range(0, MultipartFormReader.MaxParts).Select(i => Field($"f{i}", "x"))]), ProblemCodes.TooManyParts, $"more than {MultipartFormReader.MaxParts} parts" },
        { "field over 64 KiB", Body(FilePart("%PDF"), Field("note", new string('n', MultipartFormReader.MaxOtherFieldBytes + 1))), ProblemCodes.FieldTooLarge, "The form field \"note\" is too large" },
    };

    [Theory]
    [MemberData(nameof(RefusedAfterTheFile))]
    public async Task ReadToEndAsync_PartAfterTheFileBreakingARule_ProblemNamingIt(string rule, string body, string code, string detail)
    {
        var problem = await ReadToEndAfterFileAsync(body);

        Assert.True(problem is not null, rule);
        AssertProblem(problem, code, detail);
    }

    public static TheoryData<string, string> MalformedHeaders() => new()
    {
        { "headers over 16 KiB", "X-Padding: " + new string('p', MultipartFormReader.MaxHeaderBytesPerPart) + "\r\n" },
        { "17 headers", string.Concat(Enumerable.Range(0, MultipartFormReader.MaxHeadersPerPart).Select(i => $"X-H{i}: v\r\n")) },
        { "a header line without a colon", "No colon here\r\n" },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public async Task ReadFileAsync_PartHeadersOverTheirLimitsOrMalformed_MalformedBody(string rule, string headers)
    {
        using var reader = Open(Body($"--{Boundary}\r\n{headers}Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF\r\n"));

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => reader.ReadFileAsync(CancellationToken.None));

        Assert.True(reader.IsMalformedBody(thrown), $"{rule}: {thrown}");
    }

    [Fact]
    public async Task ReadFileAsync_FilenameAndFilenameStar_FilenameStarWins()
    {
        using var reader = Open(Body($"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plain.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\n\r\n%PDF\r\n"));

        var (file, _, problem) = await ReadFileAsync(reader);

        Assert.Null(problem);
        Assert.Equal("résumé.pdf", file!.FileName);
    }

    [Fact]
    public async Task ReadFileAsync_FieldOfExactlyTheLimit_Ignored()
    {
        using var reader = Open(Body(Field("note", new string('n', MultipartFormReader.MaxOtherFieldBytes)), FilePart("%PDF")));

        var (_, content, problem) = await ReadFileAsync(reader);

        Assert.Null(problem);
        Assert.Equal("%PDF", content);
    }

    [Fact]
    public async Task ReadToEndAsync_PartsUpToTheLimitWithTheFile_BodyEndsWell()
    {
        var fields = Enumerable.Range(0, MultipartFormReader.MaxParts - 2).Select(i => Field($"f{i}", "x"));

        var problem = await ReadToEndAfterFileAsync(Body([Field("first", "x"), FilePart("%PDF"), .. fields]));

        Assert.Null(problem);
    }

    [Fact]
    public async Task ReadFileAsync_HeadersJustUnderTheLimits_ReadsTheFile()
    {
        var headers = string.Concat(Enumerable.Range(0, MultipartFormReader.MaxHeadersPerPart - 2).Select(i => $"X-H{i}: v\r\n"));
        using var reader = Open(Body($"--{Boundary}\r\n{headers}Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n"));

        var (_, content, problem) = await ReadFileAsync(reader);

        Assert.Null(problem);
        Assert.Equal("%PDF", content);
    }

    [Fact]
    public async Task ReadFileAsync_BodyTruncatedInTheFile_MalformedBody()
    {
        var body = Body(FilePart("%PDF-1.7 " + new string('x', 1000)));
        using var reader = Open(body[..(body.Length / 2)]);
        var file = await reader.ReadFileAsync(CancellationToken.None);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => ReadAllAsync(file.Value!.Content));

        Assert.IsAssignableFrom<IOException>(thrown);
        Assert.True(reader.IsMalformedBody(thrown), thrown.ToString());
    }

    [Fact]
    public async Task ReadToEndAsync_BodyWithoutClosingBoundary_MalformedBody()
    {
        using var reader = Open($"{FilePart("%PDF")}--{Boundary}\r\nContent-Disp");
        await ReadFileAsync(reader);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => reader.ReadToEndAsync(CancellationToken.None));

        Assert.True(reader.IsMalformedBody(thrown), thrown.ToString());
    }

    [Fact]
    public async Task IsMalformedBody_ConnectionDroppedMidBody_False()
    {
        var start = Encoding.UTF8.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7 ");
        using var reader = Open(new DroppedStream(start));
        var file = await reader.ReadFileAsync(CancellationToken.None);

        var thrown = await Assert.ThrowsAsync<IOException>(() => ReadAllAsync(file.Value!.Content));

        Assert.False(reader.IsMalformedBody(thrown));
    }

    [Fact]
    public void IsServerSizeLimit_KestrelsBadRequestOf413Only_True()
    {
        Assert.True(MultipartFormReader.IsServerSizeLimit(new BadHttpRequestException("Request body too large.", 413)));
        Assert.False(MultipartFormReader.IsServerSizeLimit(new BadHttpRequestException("Reading the request body timed out.", 408)));
        Assert.False(MultipartFormReader.IsServerSizeLimit(new IOException("reset")));
    }

    [Fact]
    public async Task DiscardAsync_LongBody_ReadsAtMostTheLimitPlusOneBuffer()
    {
        var body = new CountingStream(10 * 1024 * 1024);
        using var reader = Open(body);

        var read = await reader.DiscardAsync(100_000, CancellationToken.None);

        Assert.InRange(read, 100_001, 100_000 + (64 * 1024));
        Assert.Equal(read, body.Served);
    }

    [Fact]
    public void Dispose_Reader_LeavesTheRequestBodyOpen()
    {
        var body = new MemoryStream(Encoding.UTF8.GetBytes(Body(FilePart("%PDF"))));
        var reader = Open(body);

        reader.Dispose();

        Assert.True(body.CanRead);
    }

    /// <summary>Serves its bytes one per read, so that every boundary and header straddles reads.</summary>
    private sealed class OneByteStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, 1), cancellationToken);
    }

    /// <summary>Serves <paramref name="start"/>, then fails as a reset connection does (the body never ends).</summary>
    private sealed class DroppedStream(byte[] start) : MemoryStream(start)
    {
        public override int Read(byte[] buffer, int offset, int count) => Position < Length ? base.Read(buffer, offset, count) : throw new IOException("Connection reset by peer.");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position < Length ? await base.ReadAsync(buffer, cancellationToken) : throw new IOException("Connection reset by peer.");

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>A body of <paramref name="length"/> zero bytes that counts how many were served.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        public long Served { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => Served; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - Served);
            Array.Clear(buffer, offset, n);
            Served += n;
            return n;
        }

        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
