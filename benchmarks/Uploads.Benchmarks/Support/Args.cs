using System.Globalization;

namespace Uploads.Benchmarks.Support;

/// <summary>Options of the measurement modes: <c>--name value</c> pairs after the mode.</summary>
internal sealed class Args(string[] args)
{
    public string? Get(string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    public bool Has(string name) => Array.IndexOf(args, name) >= 0;

    public int Int(string name, int fallback) =>
        Get(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public IReadOnlyList<int> Ints(string name, params int[] fallback) =>
        Get(name) is { } value ? [.. value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] : fallback;

    public IReadOnlyList<string> List(string name, params string[] fallback) =>
        Get(name) is { } value ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : fallback;
}
