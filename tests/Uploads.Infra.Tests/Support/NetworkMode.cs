using System.Text.Json.Nodes;

namespace Uploads.Infra.Tests.Support;

/// <summary>
/// The template in one network mode (main.bicep's vnetEnabled, passed to each module as its own vnetEnabled parameter):
/// which resources are deployed, and what a property set with <c>if(parameters('vnetEnabled'), a, b)</c> is.
/// </summary>
internal static class NetworkMode
{
    private const string Switch = "vnetEnabled";

    /// <summary>Whether the resource is deployed in that mode: its own condition and its module's.</summary>
    public static bool Deployed(CompiledTemplate template, TemplateResource resource, bool vnetEnabled)
    {
        var module = template.OfType("Microsoft.Resources/deployments")
            .SingleOrDefault(d => ReferenceEquals(d.Properties["template"], resource.Template));
        return Holds(resource.Resource["condition"], vnetEnabled) && (module is null || Deployed(template, module, vnetEnabled));
    }

    /// <summary>The value of a property in that mode: the branch an <c>if</c> on vnetEnabled takes, else the value itself.</summary>
    public static JsonNode? Value(JsonNode? value, bool vnetEnabled)
    {
        if (value is JsonValue text && text.TryGetValue<string>(out var s) && ArmExpression.TryParseTemplateString(s) is ArmCall { Name: "if" } condition
            && condition.Arguments[0] is ArmCall { Name: "parameters" } parameter && parameter.Arguments[0] is ArmString { Value: Switch })
        {
            return ArmEvaluator.ToJson(condition.Arguments[vnetEnabled ? 1 : 2]);
        }

        return value?.DeepClone();
    }

    private static bool Holds(JsonNode? condition, bool vnetEnabled)
    {
        if (condition is null)
        {
            return true;
        }

        return ArmExpression.Parse((string)condition!) switch
        {
            ArmCall { Name: "parameters" } p when p.Arguments[0] is ArmString { Value: Switch } => vnetEnabled,
            ArmCall { Name: "not" } n when n.Arguments[0] is ArmCall { Name: "parameters" } p && p.Arguments[0] is ArmString { Value: Switch } => !vnetEnabled,
            // Conditions on other parameters (the verdict topic, the deployer's role) do not depend on the network mode.
            _ => true,
        };
    }
}
