using System.Text.Json;
using Uploads.HostEmulator.Rpc;

namespace Uploads.HostEmulator.Worker;

/// <summary>
/// A function the worker indexed and loaded: its metadata, its trigger binding (from <c>raw_bindings</c>), and whether
/// the app settings disable it (<see cref="Configuration.DisabledSetting"/>; every trigger honours it).
/// </summary>
internal sealed record WorkerFunction(string Id, string Name, RpcFunctionMetadata Metadata, FunctionBinding Trigger)
{
    /// <summary>Disabled by <c>AzureWebJobs.&lt;Name&gt;.Disabled</c>: loaded, but no trigger runs it (HTTP answers 404).</summary>
    public bool IsDisabled { get; init; }

    public static WorkerFunction From(RpcFunctionMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var bindings = metadata.RawBindings.Select(FunctionBinding.Parse).ToList();
        var trigger = bindings.FirstOrDefault(b => b.IsTrigger)
            ?? throw new InvalidOperationException($"Function '{metadata.Name}' declares no trigger binding.");
        var id = string.IsNullOrEmpty(metadata.FunctionId) ? Guid.NewGuid().ToString() : metadata.FunctionId;
        return new WorkerFunction(id, metadata.Name, metadata, trigger);
    }
}

/// <summary>One binding of a function as the worker declared it (a <c>function.json</c>-style object).</summary>
internal sealed record FunctionBinding(string Name, string Type, string Direction, JsonElement Raw)
{
    public bool IsTrigger => Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) && Direction.Equals("in", StringComparison.OrdinalIgnoreCase);

    public string? GetString(string property) =>
        Raw.EnumerateObject().FirstOrDefault(p => p.NameEquals(property) || p.Name.Equals(property, StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: JsonValueKind.String } found
            ? found.Value.GetString()
            : null;

    /// <summary>A boolean property, written as JSON true/false or as a string; null when absent.</summary>
    public bool? GetBoolean(string property)
    {
        var value = Raw.EnumerateObject().FirstOrDefault(p => p.Name.Equals(property, StringComparison.OrdinalIgnoreCase)).Value;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(value.GetString(), out var parsed) => parsed,
            _ => null,
        };
    }

    public IReadOnlyList<string> GetStrings(string property) =>
        Raw.EnumerateObject().FirstOrDefault(p => p.Name.Equals(property, StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: JsonValueKind.Array } found
            ? [.. found.Value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];

    public static FunctionBinding Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var raw = document.RootElement.Clone();
        var binding = new FunctionBinding(string.Empty, string.Empty, string.Empty, raw);
        return binding with
        {
            Name = binding.GetString("name") ?? string.Empty,
            Type = binding.GetString("type") ?? string.Empty,
            Direction = binding.GetString("direction") ?? "in",
        };
    }
}
