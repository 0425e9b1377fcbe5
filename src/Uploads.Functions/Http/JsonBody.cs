using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Uploads.Core.Contracts;
using Uploads.Policy;

namespace Uploads.Functions.Http;

/// <summary>Reads a small JSON request body, bounded in size; malformed or incomplete JSON is a 400 with the reason.</summary>
internal static class JsonBody
{
    private const int MaxBytes = 16 * 1024;

    public static async Task<Outcome<T>> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        if (!IsJson(request.ContentType))
        {
            return Problems.UnsupportedRequestType.With($"Send the body as JSON with the header Content-Type: application/json (got \"{request.ContentType ?? "none"}\").");
        }

        if (request.ContentLength > MaxBytes)
        {
            return Problems.BodyTooLarge.With($"The JSON body may be at most {MaxBytes} bytes.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        // Not request.Body: a read of it cancelled by the invocation's token would break the request (see CancellableRequestBody).
        await using var body = new CancellableRequestBody(request.BodyReader);
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return Problems.BodyTooLarge.With($"The JSON body may be at most {MaxBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return Problems.MalformedJson.With("The body is empty. Send a JSON object such as {\"filename\": \"report.pdf\", \"contentType\": \"application/pdf\"}.");
        }

        try
        {
            var value = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), typeInfo);
            return value is null
                ? Problems.MalformedJson.With("The body must be a JSON object, not null.")
                : value;
        }
        catch (JsonException ex) when (ex.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.DuplicateProperty.With("A property appears more than once in the body (letter case is ignored). Send each of filename, contentType, sizeBytes and blobPath once.");
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : string.Empty;
            return Problems.MalformedJson.With($"The body is not valid JSON for this request{where}. Send a JSON object such as {{\"filename\": \"report.pdf\", \"contentType\": \"application/pdf\"}}.");
        }
    }

    /// <summary><c>application/json</c> or a <c>+json</c> type, with any parameters (charset).</summary>
    private static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Value!.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}
