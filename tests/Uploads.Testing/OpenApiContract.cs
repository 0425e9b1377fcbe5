using System.Text;
using System.Text.Json;
using Json.Pointer;
using Json.Schema;
using Uploads.HostEmulator.Http;

namespace Uploads.Testing;

/// <summary>
/// The API's contract as docs/openapi.json states it, applied to answers the app really gave: the route and method are
/// an operation of the document, the status is declared for it, the Content-Type is one the response declares, the
/// body validates against its schema (OpenAPI 3.1 schemas are JSON Schema 2020-12; <c>format</c> is asserted) and the
/// required headers are there. <see cref="FunctionsApp"/> checks every answer of every test with it.
/// </summary>
public sealed class OpenApiContract
{
    private static readonly Lazy<OpenApiContract> CommittedDocument = new(() => Parse(File.ReadAllText(DocumentPath)));

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly Uri _baseUri = new($"https://contract.invalid/{Guid.NewGuid():N}/openapi.json");
    private readonly BuildOptions _build = new();
    private readonly Dictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private OpenApiContract(JsonDocument document)
    {
        Document = document.RootElement;
        _build.SchemaRegistry.Register(_baseUri, new JsonElementBaseDocument(Document, _baseUri));
    }

    /// <summary>docs/openapi.json of this checkout.</summary>
    public static string DocumentPath => Path.Combine(RepositoryRoot.Find(), "docs", "openapi.json");

    /// <summary>The committed document.</summary>
    public static OpenApiContract Committed => CommittedDocument.Value;

    public JsonElement Document { get; }

    /// <summary>A contract from the text of an OpenAPI 3.1 document (tests give a deliberately wrong one).</summary>
    public static OpenApiContract Parse(string json) => new(JsonDocument.Parse(json));

    /// <summary>What in <paramref name="exchange"/> the document does not allow; empty when the answer keeps the contract.</summary>
    public IReadOnlyList<string> Check(HttpExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        if (exchange.AnsweredByHost)
        {
            // The host's own bare 500 (the invocation failed before the worker answered): not an answer of the app.
            return exchange.Body.IsEmpty ? [] : [Describe(exchange, "the host answered with a body")];
        }

        var violations = new List<string>();
        if (FindOperation(exchange.Path, exchange.Method) is not { } operation)
        {
            return [Describe(exchange, "the document has no operation for this method and path")];
        }

        var (pointer, response) = FindResponse(operation.Pointer, operation.Element, exchange.StatusCode);
        if (response is not { } declared)
        {
            return [Describe(exchange, $"status {exchange.StatusCode} is not declared for {OperationId(operation.Element)}")];
        }

        CheckHeaders(exchange, declared, violations);
        CheckBody(exchange, pointer, declared, violations);
        return violations;
    }

    private (string Pointer, JsonElement Element)? FindOperation(string path, string method)
    {
        if (!Document.TryGetProperty("paths", out var paths))
        {
            return null;
        }

        foreach (var item in paths.EnumerateObject())
        {
            if (PathMatches(item.Name, path) && item.Value.TryGetProperty(method.ToLowerInvariant(), out var operation))
            {
                return ($"/paths/{Escape(item.Name)}/{method.ToLowerInvariant()}", operation);
            }
        }

        return null;
    }

    private static bool PathMatches(string template, string path)
    {
        var expected = template.Trim('/').Split('/');
        var actual = path.Trim('/').Split('/');
        return expected.Length == actual.Length && expected.Zip(actual).All(p =>
            (p.First.StartsWith('{') && p.First.EndsWith('}') && p.Second.Length > 0) || string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase));
    }

    private static (string Pointer, JsonElement? Response) FindResponse(string operationPointer, JsonElement operation, int status)
    {
        if (!operation.TryGetProperty("responses", out var responses))
        {
            return (string.Empty, null);
        }

        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var key in new[] { code, $"{code[0]}XX", "default" })
        {
            if (responses.TryGetProperty(key, out var response))
            {
                return ($"{operationPointer}/responses/{key}", response);
            }
        }

        return (string.Empty, null);
    }

    private static void CheckHeaders(HttpExchange exchange, JsonElement response, List<string> violations)
    {
        if (!response.TryGetProperty("headers", out var headers))
        {
            return;
        }

        foreach (var header in headers.EnumerateObject())
        {
            var required = header.Value.TryGetProperty("required", out var flag) && flag.ValueKind == JsonValueKind.True;
            if (required && !exchange.Headers.Keys.Any(k => k.Equals(header.Name, StringComparison.OrdinalIgnoreCase)))
            {
                violations.Add(Describe(exchange, $"the required header {header.Name} is missing"));
            }
        }
    }

    private void CheckBody(HttpExchange exchange, string responsePointer, JsonElement response, List<string> violations)
    {
        if (!response.TryGetProperty("content", out var content) || !content.EnumerateObject().Any())
        {
            if (!exchange.Body.IsEmpty)
            {
                violations.Add(Describe(exchange, "the response declares no content but has a body"));
            }

            return;
        }

        var mediaType = exchange.ContentType?.Split(';')[0].Trim();
        if (string.IsNullOrEmpty(mediaType))
        {
            violations.Add(Describe(exchange, $"no Content-Type; the document declares {string.Join(", ", content.EnumerateObject().Select(c => c.Name))}"));
            return;
        }

        var declared = content.EnumerateObject().FirstOrDefault(c => c.Name.Equals(mediaType, StringComparison.OrdinalIgnoreCase));
        if (declared.Value.ValueKind != JsonValueKind.Object)
        {
            violations.Add(Describe(exchange, $"Content-Type {mediaType} is not declared; the document declares {string.Join(", ", content.EnumerateObject().Select(c => c.Name))}"));
            return;
        }

        if (!declared.Value.TryGetProperty("schema", out _) || !IsJson(mediaType))
        {
            return;
        }

        if (exchange.BodyTruncated)
        {
            violations.Add(Describe(exchange, "the JSON body is larger than the emulator keeps, so it was not checked"));
            return;
        }

        JsonDocument body;
        try
        {
            body = JsonDocument.Parse(exchange.Body);
        }
        catch (JsonException ex)
        {
            violations.Add(Describe(exchange, $"the body is not JSON ({ex.Message})"));
            return;
        }

        using (body)
        {
            var result = SchemaAt($"{responsePointer}/content/{Escape(declared.Name)}/schema").Evaluate(body.RootElement, Evaluation);
            if (!result.IsValid)
            {
                var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                    .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Key}: {e.Value}"))
                    .Distinct(StringComparer.Ordinal);
                violations.Add(Describe(exchange, $"the body does not match the schema: {string.Join("; ", errors)}"));
            }
        }
    }

    private JsonSchema SchemaAt(string pointer)
    {
        lock (_lock)
        {
            if (!_schemas.TryGetValue(pointer, out var schema))
            {
                // A JSON Pointer in a URI fragment is percent-encoded: "+" (problem+json) would be read as a space.
                var fragment = string.Join('/', pointer.Split('/').Select(Uri.EscapeDataString));
                var reference = $"{_baseUri}#{fragment}";
                schema = JsonSchema.FromText(JsonSerializer.Serialize(new Dictionary<string, string> { ["$ref"] = reference }), _build);
                _schemas[pointer] = schema;
            }

            return schema;
        }
    }

    private static bool IsJson(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    private static string Escape(string segment) => JsonPointer.Create(segment).ToString()[1..];

    private static string OperationId(JsonElement operation) =>
        operation.TryGetProperty("operationId", out var id) ? id.GetString() ?? "the operation" : "the operation";

    private static string Describe(HttpExchange exchange, string what)
    {
        var body = Encoding.UTF8.GetString(exchange.Body.Span[..Math.Min(exchange.Body.Length, 400)]);
        return $"{exchange.Method} {exchange.Path}{exchange.QueryString} -> {exchange.StatusCode} ({exchange.FunctionName}): {what}. Body: {body}";
    }
}
