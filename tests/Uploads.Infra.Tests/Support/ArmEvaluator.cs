using System.Text.Json.Nodes;

namespace Uploads.Infra.Tests.Support;

/// <summary>
/// Just enough static evaluation of ARM expressions to read what the template sets without deploying it:
/// names of resources and role definitions, and the keys of the app settings object.
/// Any expression shape it does not know fails loudly, so a template change cannot slip past the tests.
/// </summary>
internal static class ArmEvaluator
{
    /// <summary>
    /// Renders a template value as text: literals as they are, parameters('x') as {x}, variables resolved,
    /// resourceId(type, a, b) as type(a/b), subscriptionResourceId of a role definition as its GUID.
    /// </summary>
    public static string Render(JsonNode? value, JsonObject variables)
    {
        var text = (string?)value ?? throw new InvalidOperationException("Expected a string value.");
        var expression = ArmExpression.TryParseTemplateString(text);
        return expression is null ? text : Render(expression, variables);
    }

    public static string Render(ArmExpression expression, JsonObject variables) => expression switch
    {
        ArmString s => s.Value,
        ArmNumber n => n.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ArmCall { Name: "parameters" } call => $"{{{Literal(call.Arguments[0])}}}",
        ArmCall { Name: "variables" } call => Render(variables[Literal(call.Arguments[0])], variables),
        ArmProperty { Target: ArmCall { Name: "variables" } root } property =>
            Render(variables[Literal(root.Arguments[0])]?[property.Name], variables),
        ArmProperty { Target: ArmCall { Name: "resourceGroup", Arguments.Count: 0 }, Name: "id" } => "resourceGroup().id",
        // The principal id of an identity the template creates: reference(id, version).principalId (a user-assigned
        // identity) or reference(id, version, 'full').identity.principalId (a system-assigned one).
        ArmProperty { Target: ArmCall { Name: "reference" } reference, Name: "principalId" } =>
            $"principal({Render(reference.Arguments[0], variables)})",
        ArmProperty { Target: ArmProperty { Target: ArmCall { Name: "reference" } reference, Name: "identity" }, Name: "principalId" } =>
            $"principal({Render(reference.Arguments[0], variables)})",
        ArmCall { Name: "subscriptionResourceId" } call when Literal(call.Arguments[0]) == "Microsoft.Authorization/roleDefinitions" =>
            Render(call.Arguments[1], variables),
        ArmCall { Name: "resourceId" } call =>
            $"{Literal(call.Arguments[0])}({string.Join('/', call.Arguments.Skip(1).Select(a => Render(a, variables)))})",
        ArmCall { Name: "format" } call => Format(call, variables),
        ArmCall { Name: "guid" } call => $"guid({string.Join(',', call.Arguments.Select(a => Render(a, variables)))})",
        _ => throw new NotSupportedException($"The tests cannot evaluate this expression: {expression}"),
    };

    /// <summary>
    /// The JSON value a literal expression builds (createObject, createArray, strings, numbers, bools);
    /// parameters('x') stays as the text "[parameters('x')]".
    /// </summary>
    public static JsonNode? ToJson(ArmExpression expression, JsonObject? variables = null) => expression switch
    {
        ArmString s => JsonValue.Create(s.Value),
        ArmNumber n => JsonValue.Create(n.Value),
        ArmCall { Name: "true", Arguments.Count: 0 } => JsonValue.Create(true),
        ArmCall { Name: "false", Arguments.Count: 0 } => JsonValue.Create(false),
        ArmCall { Name: "null", Arguments.Count: 0 } => null,
        ArmCall { Name: "parameters", Arguments.Count: 1 } call => JsonValue.Create($"[parameters('{Literal(call.Arguments[0])}')]"),
        ArmCall { Name: "createArray" } call => new JsonArray([.. call.Arguments.Select(a => ToJson(a, variables))]),
        ArmCall { Name: "createObject" } call when call.Arguments.Count % 2 == 0 => new JsonObject(
            Enumerable.Range(0, call.Arguments.Count / 2)
                .Select(i => KeyValuePair.Create(Literal(call.Arguments[2 * i]), ToJson(call.Arguments[(2 * i) + 1], variables)))),
        // A variable holding literal JSON (e.g. what loadJsonContent compiles to), and the union of objects.
        ArmCall { Name: "variables", Arguments.Count: 1 } call when variables?[Literal(call.Arguments[0])] is { } value => value.DeepClone(),
        ArmCall { Name: "union" } call => Union(call.Arguments.Select(a => ToJson(a, variables))),
        _ => throw new NotSupportedException($"The tests cannot evaluate this expression to JSON: {expression}"),
    };

    private static JsonObject Union(IEnumerable<JsonNode?> objects)
    {
        // ARM's union of objects: later properties win (the CORS rule's parts never overlap).
        var result = new JsonObject();
        foreach (var part in objects)
        {
            foreach (var (key, value) in part as JsonObject ?? throw new NotSupportedException("The tests evaluate union of objects only."))
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }

    /// <summary>JSON text of a node with quotes left readable (the default encoder writes ' as \u0027).</summary>
    public static string Raw(JsonNode? node) =>
        node?.ToJsonString(RawOptions) ?? "null";

    private static readonly System.Text.Json.JsonSerializerOptions RawOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static string Format(ArmCall call, JsonObject variables)
    {
        var result = Literal(call.Arguments[0]);
        for (var i = call.Arguments.Count - 1; i >= 1; i--)
        {
            result = result.Replace($"{{{i - 1}}}", Render(call.Arguments[i], variables), StringComparison.Ordinal);
        }

        return result;
    }

    /// <summary>Keys of an app settings object, and the prefixes of keys built per item of an array (toObject).</summary>
    public static (ISet<string> Keys, ISet<string> Prefixes) ObjectKeys(JsonNode? value, JsonObject variables)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        var prefixes = new SortedSet<string>(StringComparer.Ordinal);
        CollectKeys(value, variables, keys, prefixes);
        return (keys, prefixes);
    }

    private static void CollectKeys(JsonNode? value, JsonObject variables, ISet<string> keys, ISet<string> prefixes)
    {
        switch (value)
        {
            case JsonObject literal:
                foreach (var property in literal)
                {
                    keys.Add(property.Key);
                }

                break;
            case JsonValue text when ArmExpression.TryParseTemplateString((string)text!) is { } expression:
                CollectKeys(expression, variables, keys, prefixes);
                break;
            default:
                throw new NotSupportedException($"Not an object or an object expression: {value?.ToJsonString()}");
        }
    }

    private static void CollectKeys(ArmExpression expression, JsonObject variables, ISet<string> keys, ISet<string> prefixes)
    {
        switch (expression)
        {
            case ArmCall { Name: "union" } union:
                foreach (var argument in union.Arguments)
                {
                    CollectKeys(argument, variables, keys, prefixes);
                }

                break;
            case ArmCall { Name: "if" } condition:
                // Both branches may apply, depending on parameters.
                CollectKeys(condition.Arguments[1], variables, keys, prefixes);
                CollectKeys(condition.Arguments[2], variables, keys, prefixes);
                break;
            case ArmCall { Name: "createObject" } create:
                for (var i = 0; i < create.Arguments.Count; i += 2)
                {
                    keys.Add(Literal(create.Arguments[i]));
                }

                break;
            case ArmCall { Name: "variables" } variable:
                CollectKeys(variables[Literal(variable.Arguments[0])], variables, keys, prefixes);
                break;
            case ArmCall { Name: "toObject" } toObject
                when toObject.Arguments.Count >= 2
                    && toObject.Arguments[1] is ArmCall { Name: "lambda" } keyLambda
                    && keyLambda.Arguments[^1] is ArmCall { Name: "format" } format
                    && format.Arguments.Count == 2
                    && format.Arguments[1] is ArmCall { Name: "lambdaVariables" }:
                var pattern = Literal(format.Arguments[0]);
                Assert.True(pattern.EndsWith("{0}", StringComparison.Ordinal) && pattern.IndexOf('{', StringComparison.Ordinal) == pattern.Length - 3,
                    $"A per-item setting name must be a fixed prefix followed by the item: {pattern}");
                prefixes.Add(pattern[..^3]);
                break;
            default:
                throw new NotSupportedException($"The tests cannot read the keys of this expression: {expression}");
        }
    }

    private static string Literal(ArmExpression expression) =>
        expression is ArmString s ? s.Value : throw new NotSupportedException($"Expected a string literal: {expression}");
}
