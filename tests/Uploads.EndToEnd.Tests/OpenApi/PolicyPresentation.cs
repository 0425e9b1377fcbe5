using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Uploads.Core.Contracts;
using Uploads.Core.Policy;
using Uploads.Policy;

namespace Uploads.EndToEnd.Tests.OpenApi;

/// <summary>
/// The allowlist and size limits of <see cref="UploadPolicy"/> as a newcomer reads them: README's table (between
/// <see cref="ReadmeStart"/> and <see cref="ReadmeEnd"/>) and the parts of docs/openapi.json that state them. Rendered
/// here, from the policy; <see cref="PolicyPresentationTests"/> hold the committed files to these renderings.
/// </summary>
internal static class PolicyPresentation
{
    public const string ReadmeStart = "<!-- allowed-types: generated from src/Uploads.Policy; tests/Uploads.EndToEnd.Tests/OpenApi/PolicyPresentationTests.cs holds it to the policy -->";

    public const string ReadmeEnd = "<!-- /allowed-types -->";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The policy with the default direct-upload cap: what a deployment with default settings answers.</summary>
    public static UploadPolicyResponse DefaultPolicy => PublishedPolicy.Build(UploadPolicy.DirectUploadMaxBytes);

    /// <summary>The aliases of each allowed type that has some, in the allowlist's order.</summary>
    private static IEnumerable<(string Type, IEnumerable<string> Aliases)> AliasesByType =>
        UploadPolicy.AllowedTypes.Select(t => (t.MediaType, Aliases: DefaultPolicy.Aliases.Where(a => a.Value == t.MediaType).Select(a => a.Key)))
            .Where(t => t.Aliases.Any());

    /// <summary>README's table of types, extensions and limits, and the lines under it (without the markers).</summary>
    public static string ReadmeTable()
    {
        var text = new StringBuilder();
        text.AppendLine("| `contentType` | File name ends with | Category | Largest file |");
        text.AppendLine("| --- | --- | --- | --- |");
        foreach (var type in DefaultPolicy.Types)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| `{type.ContentType}` | {string.Join(' ', type.Extensions.Select(e => $"`{e}`"))} | {type.Category} | {ByteSize.Describe(type.MaxBytes)} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Other names accepted as the type they name: {string.Join("; ", AliasesByType.Select(a => $"{string.Join(", ", a.Aliases.Select(n => $"`{n}`"))} → `{a.Type}`"))}. Letter case and parameters (`; charset=utf-8`) are ignored.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"`POST /direct` takes files of at most {ByteSize.Describe(UploadPolicy.DirectUploadMaxBytes)} by default (a deployment may change it: `Uploads__DirectUploadMaxBytes`, which the policy route reports); larger files take an upload URL.");
        return text.ToString();
    }

    /// <summary>The parts of docs/openapi.json that state the policy, by JSON Pointer.</summary>
    public static IReadOnlyList<(string Pointer, JsonNode Node)> OpenApiNodes() =>
    [
        ("/components/schemas/ContentType", ContentTypeSchema()),
        ("/components/schemas/UploadUrlRequest/properties/sizeBytes", SizeBytesSchema()),
        ("/components/schemas/AllowedType/properties/category", CategorySchema()),
        ("/paths/~1api~1integrations~1uploads~1policy/get/responses/200/content/application~1json/example",
            JsonNode.Parse(JsonSerializer.Serialize(DefaultPolicy, UploadsJsonContext.Default.UploadPolicyResponse))!),
    ];

    /// <summary>A node as it is written into docs/openapi.json (for a failure message a developer can paste from).</summary>
    public static string Write(JsonNode node) => node.ToJsonString(Indented);

    private static JsonObject ContentTypeSchema() => new()
    {
        ["type"] = "string",
        ["enum"] = new JsonArray([.. UploadPolicy.AllowedTypes.Select(t => JsonValue.Create(t.MediaType))]),
        ["description"] = "One of the allowed MIME types; the file name must end with one of its extensions (README's table, the example of " +
            "GET /api/integrations/uploads/policy). Other names are accepted as the type they name: " +
            string.Join("; ", AliasesByType.Select(a => $"{string.Join(", ", a.Aliases)} → {a.Type}")) + ". Letter case and parameters (; charset=utf-8) are ignored.",
    };

    private static JsonObject SizeBytesSchema()
    {
        var categories = Enum.GetValues<ContentCategory>();
        return new()
        {
            ["type"] = "integer",
            ["minimum"] = 0,
            ["maximum"] = categories.Max(UploadPolicy.MaxBytes),
            ["description"] = "Optional: the file's size, checked against its category's limit before a URL is issued (413 payload_too_large): " +
                string.Join(", ", categories.Select(c => $"{PublishedPolicy.CategoryName(c)} at most {ByteSize.Describe(UploadPolicy.MaxBytes(c))}")) + ".",
        };
    }

    private static JsonObject CategorySchema() => new()
    {
        ["type"] = "string",
        ["enum"] = new JsonArray([.. Enum.GetValues<ContentCategory>().Select(c => JsonValue.Create(PublishedPolicy.CategoryName(c)))]),
        ["description"] = "The category whose size limit applies.",
    };
}
