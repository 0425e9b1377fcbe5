using System.Text.Json;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Uploads.EndToEnd.Tests.Metadata;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.OpenApi;

/// <summary>
/// docs/openapi.json itself: valid OpenAPI 3.1, exactly the app's HTTP routes, and exactly the problem codes of
/// <see cref="ProblemCodes"/>, each declared for the statuses that answer it.
/// </summary>
public sealed class OpenApiDocumentTests
{
    private static JsonElement Document => OpenApiContract.Committed.Document;

    private static IEnumerable<(string Route, JsonElement Operation)> Operations() =>
        Document.GetProperty("paths").EnumerateObject().SelectMany(path =>
            path.Value.EnumerateObject().Select(method => ($"{method.Name.ToUpperInvariant()} {path.Name}", method.Value)));

    /// <summary>The code enums the document's problem responses declare, per "METHOD /path status".</summary>
    private static IEnumerable<(string Response, string[] Codes)> ProblemResponses() =>
        Operations().SelectMany(o => o.Operation.GetProperty("responses").EnumerateObject()
            .Where(r => r.Value.TryGetProperty("content", out var content) && content.TryGetProperty("application/problem+json", out _))
            .Select(r => ($"{o.Route} {r.Name}", r.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema")
                .GetProperty("allOf")[1].GetProperty("properties").GetProperty("code").GetProperty("enum").EnumerateArray().Select(c => c.GetString()!).ToArray())));

    [Fact]
    public void Document_ReadByMicrosoftOpenApi_Valid31WithoutErrorsOrWarnings()
    {
        var (document, diagnostic) = OpenApiDocument.Parse(File.ReadAllText(OpenApiContract.DocumentPath), "json", new OpenApiReaderSettings());

        Assert.NotNull(document);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic!.SpecificationVersion);
        Assert.Empty(diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Empty(diagnostic.Warnings.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Empty(document.Validate(ValidationRuleSet.GetDefaultRuleSet())?.Select(e => $"{e.Pointer}: {e.Message}") ?? []);
    }

    [Fact]
    public void Document_Operations_ExactlyTheHttpFunctionsOfTheApp()
    {
        // "METHOD /api/route -> Function" as the host routes functions.metadata; operationId is the function's name.
        Assert.Equal(
            FunctionsMetadataTests.HttpRoutes(),
            Operations().Select(o => $"{o.Route} -> {o.Operation.GetProperty("operationId").GetString()}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Document_ProblemCodeEnum_ExactlyProblemCodesAll()
    {
        var documented = Document.GetProperty("components").GetProperty("schemas").GetProperty("Problem").GetProperty("properties").GetProperty("code").GetProperty("enum")
            .EnumerateArray().Select(c => c.GetString()!).ToList();

        Assert.Equal(documented.Count, documented.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ProblemCodes.All.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Document_EveryProblemCode_DeclaredBySomeResponseAndOnlyKnownCodes()
    {
        var declared = ProblemResponses().SelectMany(r => r.Codes).Distinct(StringComparer.Ordinal);

        Assert.Equal(ProblemCodes.All.Order(StringComparer.Ordinal), declared.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Document_ProblemResponses_EachCodeUnderTheStatusProblemsDeclares()
    {
        var misplaced = ProblemResponses()
            .SelectMany(r => r.Codes.Select(code => (r.Response, Code: code, Declared: Problems.Find(code)!.Status)))
            .Where(c => !c.Response.EndsWith($" {c.Declared}", StringComparison.Ordinal))
            .Select(c => $"{c.Response}: {c.Code} is declared {c.Declared}");

        Assert.Empty(misplaced);
    }

    [Fact]
    public void Document_ProblemResponseDescriptions_NameTheirCodes()
    {
        foreach (var (response, codes) in ProblemResponses())
        {
            var (route, status) = (response[..response.LastIndexOf(' ')], response[(response.LastIndexOf(' ') + 1)..]);
            var path = route[(route.IndexOf(' ') + 1)..];
            var description = Document.GetProperty("paths").GetProperty(path).GetProperty(route[..route.IndexOf(' ')].ToLowerInvariant())
                .GetProperty("responses").GetProperty(status).GetProperty("description").GetString()!;
            Assert.EndsWith($"Codes: {string.Join(", ", codes)}.", description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Document_Servers_RelativeSoRightWhereverItIsServed()
    {
        // An absolute URL (http://127.0.0.1:7071) would send Azure clients to a local port: "/" resolves against the
        // URL the document was fetched from, and the paths carry the /api prefix.
        Assert.Equal("/", Assert.Single(Document.GetProperty("servers").EnumerateArray()).GetProperty("url").GetString());
    }

    [Fact]
    public void Document_EveryOperation_TaggedAndDescribed()
    {
        var tags = Document.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToHashSet(StringComparer.Ordinal);

        Assert.All(Operations(), o =>
        {
            Assert.Contains(Assert.Single(o.Operation.GetProperty("tags").EnumerateArray()).GetString(), tags);
            Assert.False(string.IsNullOrWhiteSpace(o.Operation.GetProperty("description").GetString()), o.Route);
        });
    }

    [Fact]
    public void Document_EveryOperationButItsOwn_Declares4xx()
    {
        // The document's own route is redocly's one justified exception (redocly.lint-ignore.yaml): nothing a client
        // sends it can be wrong. Every other operation says what its client got wrong.
        Assert.All(Operations().Where(o => o.Operation.GetProperty("operationId").GetString() != "GetOpenApiDocument"), o =>
            Assert.Contains(o.Operation.GetProperty("responses").EnumerateObject(), r => r.Name.StartsWith('4')));
    }

    [Fact]
    public void Document_EveryEnum_Typed()
    {
        // Generators make an untyped enum an "any"; each enum here is of strings.
        var untyped = new List<string>();
        Visit(Document, "#", untyped);

        Assert.Empty(untyped);

        static void Visit(JsonElement element, string pointer, List<string> untyped)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                if (element.TryGetProperty("enum", out _) && !(element.TryGetProperty("type", out var type) && type.GetString() == "string"))
                {
                    untyped.Add(pointer);
                }

                foreach (var property in element.EnumerateObject())
                {
                    Visit(property.Value, $"{pointer}/{property.Name}", untyped);
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Visit(item, $"{pointer}/{index++}", untyped);
                }
            }
        }
    }

    [Fact]
    public void Document_DirectUploadFilePart_BinaryFor30GeneratorsAndContentMediaTypeFor31()
    {
        var file = Document.GetProperty("paths").GetProperty("/api/integrations/uploads/direct").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").GetProperty("file");

        Assert.Equal("string", file.GetProperty("type").GetString());
        Assert.Equal("binary", file.GetProperty("format").GetString());
        Assert.Equal("application/octet-stream", file.GetProperty("contentMediaType").GetString());
    }

    [Fact]
    public void Document_Every503_RequiresRetryAfter()
    {
        var unavailable = Operations().Select(o => o.Operation.GetProperty("responses").GetProperty("503")).ToList();

        Assert.NotEmpty(unavailable);
        Assert.All(unavailable, r => Assert.True(r.GetProperty("headers").GetProperty("Retry-After").GetProperty("required").GetBoolean()));
    }
}
