using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Uploads.Core.Contracts;
using Uploads.Policy;

namespace Uploads.Core.Uploads.Multipart;

/// <summary>
/// Reads the <c>multipart/form-data</c> body of a direct upload once, in order, and owns its protocol rules and
/// limits: first the form fields before the file (the <c>sha256</c> field is kept, see <see cref="Sha256FormField"/>;
/// any other field is read, bounded, and ignored), then the one part named <c>file</c> (<see cref="ReadFileAsync"/>:
/// its file name and declared type from its headers, and its bytes as a stream for the caller to read to its end),
/// then the parts after it up to the end of the body (<see cref="ReadToEndAsync"/>). A body that breaks a rule is
/// refused with the problem naming the rule. The work is bounded: at most <see cref="MaxParts"/> parts, each with at
/// most 16 headers in 16 KiB, other fields of at most 64 KiB each (read, never kept). Disposing it leaves the
/// request body open (the server owns it).
/// </summary>
internal sealed class MultipartFormReader : IDisposable
{
    public const string FileFieldName = "file";

    /// <summary>Room for the multipart framing and small form fields around the file.</summary>
    public const long FramingAllowance = ByteSize.MiB;

    /// <summary>Most parts a body may have: the file and a few small fields.</summary>
    public const int MaxParts = 16;

    /// <summary>Form fields other than the file are ignored, up to this size each.</summary>
    public const int MaxOtherFieldBytes = (int)(64 * ByteSize.KiB);

    /// <summary>Most headers a part may have, and most bytes they may take together.</summary>
    public const int MaxHeadersPerPart = 16;

    /// <inheritdoc cref="MaxHeadersPerPart"/>
    public const int MaxHeaderBytesPerPart = 16 * 1024;

    /// <summary>The longest boundary RFC 2046 allows.</summary>
    public const int MaxBoundaryLength = 70;

    private readonly RequestBodyStream _body;
    private readonly MultipartReader _reader;
    private int _parts;
    private byte[]? _declaredSha256;
    private bool _fileSeen;

    private MultipartFormReader(string boundary, Stream body)
    {
        _body = new RequestBodyStream(body);
        _reader = new MultipartReader(boundary, _body) { HeadersCountLimit = MaxHeadersPerPart, HeadersLengthLimit = MaxHeaderBytesPerPart };
    }

    /// <summary>A reader of <paramref name="body"/>, or the problem (400) when its Content-Type is not multipart/form-data with a valid boundary.</summary>
    public static Outcome<MultipartFormReader> Open(string? contentType, Stream body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.NotMultipart.With($"Send the file as multipart/form-data with the field name \"{FileFieldName}\".");
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > MaxBoundaryLength)
        {
            return Problems.NotMultipart.With("The multipart/form-data Content-Type has no valid boundary.");
        }

        return new MultipartFormReader(boundary, body);
    }

    /// <summary>The answer to a body that is malformed or truncated (see <see cref="IsMalformedBody"/>).</summary>
    public static UploadProblem MalformedBody() =>
        Problems.MalformedMultipart.With("The multipart/form-data body is malformed or truncated. Send one part named \"file\" with a filename.");

    /// <summary>True when a read of the body failed because the server's own request size limit refused it (Kestrel's 413).</summary>
    public static bool IsServerSizeLimit(Exception exception) =>
        exception is Microsoft.AspNetCore.Http.BadHttpRequestException { StatusCode: 413 };

    /// <summary>
    /// True when a read of the body failed because the body is malformed (bad framing, a part's headers over their
    /// limits) or ended before its closing boundary; false for a client that went away (the body never ended).
    /// </summary>
    public bool IsMalformedBody(Exception exception) =>
        exception is InvalidDataException || exception is IOException && _body.ReachedEnd;

    /// <summary>
    /// Reads the form fields before the file and returns the file part: the declared SHA-256, the file's name and
    /// declared type, and its bytes, which the caller reads to their end before <see cref="ReadToEndAsync"/>. The
    /// problem (400) when a part breaks a rule or the body has no file part.
    /// </summary>
    public async Task<Outcome<MultipartFile>> ReadFileAsync(CancellationToken cancellationToken)
    {
        if (_fileSeen)
        {
            throw new InvalidOperationException("The file part has been read already.");
        }

        var file = await NextFileAsync(cancellationToken).ConfigureAwait(false);
        return file.Problem is null && file.Value is null
            ? Problems.MissingFile.With($"The body has no part named \"{FileFieldName}\". Send the file as multipart/form-data with the field name \"{FileFieldName}\".")
            : file;
    }

    /// <summary>Reads the parts after the file to the end of the body: null when the body ended well, else the problem (400).</summary>
    public async Task<UploadProblem?> ReadToEndAsync(CancellationToken cancellationToken)
    {
        if (!_fileSeen)
        {
            throw new InvalidOperationException("Read the file part first.");
        }

        // The file has been seen: a second one is refused (FileNameOfAsync), so this only ever ends or refuses.
        return (await NextFileAsync(cancellationToken).ConfigureAwait(false)).Problem;
    }

    /// <summary>
    /// Reads and discards what is left of the body, up to <paramref name="limit"/> + 1 bytes (so that a client that
    /// sends everything before reading the answer receives it rather than a reset); returns how many were read.
    /// </summary>
    public Task<long> DiscardAsync(long limit, CancellationToken cancellationToken) => BodyDrain.DrainAsync(_body, limit, cancellationToken);

    public void Dispose() => _body.Dispose();

    /// <summary>Reads parts up to the next file part (returned) or the end of the body (neither value nor problem).</summary>
    private async Task<Outcome<MultipartFile>> NextFileAsync(CancellationToken cancellationToken)
    {
        while (await _reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
        {
            if (++_parts > MaxParts)
            {
                return Problems.TooManyParts.With($"The body has more than {MaxParts} parts. Send one part named \"{FileFieldName}\".");
            }

            if (Sha256FormField.Is(section))
            {
                var declared = await Sha256FormField.ReadAsync(section, _fileSeen, _declaredSha256 is not null, cancellationToken).ConfigureAwait(false);
                if (declared.Problem is not null)
                {
                    return declared.Problem;
                }

                _declaredSha256 = declared.Value;
                continue;
            }

            var fileName = await FileNameOfAsync(section, cancellationToken).ConfigureAwait(false);
            if (fileName.Problem is not null)
            {
                return fileName.Problem;
            }

            if (fileName.Value is null)
            {
                continue;
            }

            _fileSeen = true;
            return new MultipartFile(_declaredSha256, fileName.Value, section.ContentType, section.Body);
        }

        return default;
    }

    /// <summary>
    /// The file name of a part, from its Content-Disposition; a null name for another form field (read, bounded,
    /// and ignored); a problem for a part the body may not have.
    /// </summary>
    private async Task<Outcome<string>> FileNameOfAsync(MultipartSection section, CancellationToken cancellationToken)
    {
        var disposition = section.GetContentDispositionHeader();
        if (disposition is null || !disposition.IsFormDisposition() && !disposition.IsFileDisposition())
        {
            return Problems.MalformedMultipart.With("Every part of the body needs a Content-Disposition: form-data header.");
        }

        var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
        var isFile = disposition.IsFileDisposition();
        if (!string.Equals(name, FileFieldName, StringComparison.Ordinal))
        {
            if (isFile)
            {
                return Problems.UnexpectedFileField.With($"Send the file in the field named \"{FileFieldName}\", not \"{name}\".");
            }

            return await BodyDrain.DrainAsync(section.Body, MaxOtherFieldBytes, cancellationToken).ConfigureAwait(false) > MaxOtherFieldBytes
                ? Problems.FieldTooLarge.With($"The form field \"{name}\" is too large; only \"{FileFieldName}\" may carry data.")
                : default(Outcome<string>);
        }

        if (!isFile)
        {
            return Problems.MissingFileName.With($"The \"{FileFieldName}\" part has no filename. Send it as a file part: Content-Disposition: form-data; name=\"{FileFieldName}\"; filename=\"…\".");
        }

        if (_fileSeen)
        {
            return Problems.SeveralFiles.With($"Send exactly one \"{FileFieldName}\" part per request; use one request per file.");
        }

        if (disposition.Parameters.Count(p => p.Name.Equals("filename", StringComparison.OrdinalIgnoreCase)) > 1
            || disposition.Parameters.Count(p => p.Name.Equals("filename*", StringComparison.OrdinalIgnoreCase)) > 1)
        {
            // Which of two names a parser keeps differs between parsers: refuse instead of guessing.
            return Problems.AmbiguousFileName.With($"The \"{FileFieldName}\" part names its file more than once. Send one filename parameter (and at most one filename*).");
        }

        return HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? string.Empty;
    }
}
